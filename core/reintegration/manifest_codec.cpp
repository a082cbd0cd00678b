#include "reintegration/manifest_codec.hpp"

#include <algorithm>

#include <cstring>
#include <string>

#include "replication/change_message.hpp"
#include "replication_apply/beneath_path.hpp"

// Layout, all integers little-endian:
//   "HVMF" u8 version=1, u64 block_size, u64 entry_count, then per entry:
//   str path, u8 type, u32 mode, u32 uid, u32 gid, u64 size, i64 mtime_ns, u64 rdev,
//   u64 link_group, str symlink_target, u32 xattr_count, (str name, str value)*,
//   u8 has_hashes, [u64 hash_count, u64 hash*]
// where str = u32 length + bytes.

namespace haven::reintegration {
namespace {

constexpr char kMagic[4] = {'H', 'V', 'M', 'F'};
constexpr std::uint8_t kVersion = 1;
constexpr std::uint64_t kMinBlock = 4096;
constexpr std::uint64_t kMaxBlock = 64ull << 20;
constexpr std::size_t kMaxXattrValue = 64 * 1024;
constexpr std::size_t kMaxXattrs = 4096;
// str path (4 + at least 1), type 1, mode uid gid 12, size mtime rdev link_group 32, str
// symlink_target 4, xattr_count 4, has_hashes 1.
constexpr std::uint64_t kMinEntryBytes = 59;

class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  template <typename T>
  void integer(T value) {
    auto v = static_cast<std::make_unsigned_t<T>>(value);
    for (std::size_t i = 0; i < sizeof(T); ++i) out_.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
  }
  void str(const std::string& s) {
    integer<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  std::vector<std::byte> take() { return std::move(out_); }

 private:
  std::vector<std::byte> out_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}
  template <typename T>
  bool integer(T& value) {
    if (in_.size() - pos_ < sizeof(T)) return false;
    std::make_unsigned_t<T> v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<std::make_unsigned_t<T>>(static_cast<std::uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += sizeof(T);
    value = static_cast<T>(v);
    return true;
  }
  bool str(std::string& s, std::size_t max) {
    std::uint32_t n = 0;
    if (!integer(n) || n > max || in_.size() - pos_ < n) return false;
    s.assign(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  std::size_t left() const { return in_.size() - pos_; }

 private:
  std::span<const std::byte> in_;
  std::size_t pos_ = 0;
};

Error bad(std::uint64_t index, const std::string& path, const std::string& why) {
  return fail(Errc::invalid_argument, "the peer's tree manifest is not valid: entry " + std::to_string(index) +
                                          (path.empty() ? "" : " ('" + replication::printable_path(path) + "')") + ": " + why);
}

}  // namespace

std::vector<std::byte> encode_manifest(const TreeManifest& m) {
  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.integer(kVersion);
  w.integer(m.block_size);
  w.integer<std::uint64_t>(m.entries.size());
  for (const auto& e : m.entries) {
    w.str(e.path);
    w.integer(static_cast<std::uint8_t>(e.type));
    w.integer(e.mode);
    w.integer(e.uid);
    w.integer(e.gid);
    w.integer(e.size);
    w.integer(e.mtime_ns);
    w.integer(e.rdev);
    w.integer(e.link_group);
    w.str(e.symlink_target);
    w.integer<std::uint32_t>(static_cast<std::uint32_t>(e.xattrs.size()));
    for (const auto& [name, value] : e.xattrs) {
      w.str(name);
      w.str(value);
    }
    w.integer<std::uint8_t>(e.hashes ? 1 : 0);
    if (e.hashes) {
      w.integer<std::uint64_t>(e.hashes->hashes.size());
      for (auto h : e.hashes->hashes) w.integer(h);
    }
  }
  return w.take();
}

Result<TreeManifest> decode_manifest(std::span<const std::byte> bytes) {
  if (bytes.size() < 5 || std::memcmp(bytes.data(), kMagic, 4) != 0)
    return fail(Errc::invalid_argument, "the peer's tree manifest is not valid: it does not start with \"HVMF\"");
  Reader r(bytes.subspan(4));
  std::uint8_t version = 0;
  TreeManifest m;
  std::uint64_t count = 0;
  r.integer(version);
  if (version != kVersion)
    return fail(Errc::invalid_argument, "the peer's tree manifest has version " + std::to_string(version) + ", expected " + std::to_string(kVersion) + " (both nodes must run the same haven)");
  if (!r.integer(m.block_size) || !r.integer(count))
    return fail(Errc::invalid_argument, "the peer's tree manifest is not valid: its header is cut short");
  if (m.block_size < kMinBlock || m.block_size > kMaxBlock)
    return fail(Errc::invalid_argument, "the peer's tree manifest is not valid: block size " + std::to_string(m.block_size) + ", expected 4096 to 67108864");
  // Each entry takes at least 59 bytes (a one-byte path, no link target, no xattrs, no
  // hashes): a count larger than that allows is a lie.
  if (count > r.left() / kMinEntryBytes) return fail(Errc::invalid_argument, "the peer's tree manifest is not valid: " + std::to_string(count) + " entries cannot fit in " + std::to_string(r.left()) + " bytes");
  // Reserved only up to what a small tree needs: an entry in memory is several times its 59
  // bytes on the wire, so reserving what a hostile count allows would cost gigabytes before
  // the first entry is read; a real large tree grows the vector as it is read.
  m.entries.reserve(std::min<std::uint64_t>(count, 4096));
  for (std::uint64_t i = 0; i < count; ++i) {
    ManifestEntry e;
    std::uint8_t type = 0;
    if (!r.str(e.path, replication::kMaxChangePath)) return bad(i, "", "the path is cut short or longer than 4096 bytes");
    if (!replication::is_safe_relative_path(e.path)) return bad(i, e.path, "the path is empty, absolute, or has '.', '..', NUL or an empty part");
    if (!m.entries.empty() && !(m.entries.back().path < e.path)) return bad(i, e.path, "paths are not in strictly increasing order (sorted, no duplicates)");
    if (!r.integer(type) || !r.integer(e.mode) || !r.integer(e.uid) || !r.integer(e.gid) || !r.integer(e.size) ||
        !r.integer(e.mtime_ns) || !r.integer(e.rdev) || !r.integer(e.link_group))
      return bad(i, e.path, "the fixed fields are cut short");
    if (type < 1 || type > static_cast<std::uint8_t>(EntryType::block_device)) return bad(i, e.path, "unknown type " + std::to_string(type));
    e.type = static_cast<EntryType>(type);
    if (e.mode > 07777) return bad(i, e.path, "mode " + std::to_string(e.mode) + " has bits beyond 07777");
    if (!r.str(e.symlink_target, 4096)) return bad(i, e.path, "the link target is cut short or longer than 4096 bytes");
    if (e.type != EntryType::symlink && !e.symlink_target.empty()) return bad(i, e.path, "a link target on something that is not a symbolic link");
    if (e.type == EntryType::directory && e.link_group != 0) return bad(i, e.path, "a folder cannot have hard links");
    std::uint32_t xattr_count = 0;
    if (!r.integer(xattr_count) || xattr_count > kMaxXattrs) return bad(i, e.path, "the extended attribute count is cut short or over 4096");
    for (std::uint32_t x = 0; x < xattr_count; ++x) {
      std::string name, value;
      if (!r.str(name, replication::kMaxXattrName) || name.empty() || name.find('\0') != std::string::npos)
        return bad(i, e.path, "extended attribute " + std::to_string(x) + ": the name is empty, cut short, holds NUL or is over 255 bytes");
      if (!r.str(value, kMaxXattrValue)) return bad(i, e.path, "extended attribute '" + replication::printable_path(name) + "': the value is cut short or over 64 KiB");
      if (!e.xattrs.empty() && !(e.xattrs.back().first < name)) return bad(i, e.path, "extended attributes are not sorted by name without duplicates");
      e.xattrs.emplace_back(std::move(name), std::move(value));
    }
    std::uint8_t has_hashes = 0;
    if (!r.integer(has_hashes) || has_hashes > 1) return bad(i, e.path, "the hash flag is cut short or not 0/1");
    if (has_hashes == 1) {
      if (e.type != EntryType::regular) return bad(i, e.path, "block hashes on something that is not a file");
      std::uint64_t n = 0;
      const std::uint64_t expected = (e.size + m.block_size - 1) / m.block_size;
      if (!r.integer(n) || n != expected) return bad(i, e.path, "holds " + std::to_string(n) + " block hashes, its size needs " + std::to_string(expected));
      if (n > r.left() / 8) return bad(i, e.path, "the block hashes are cut short");
      replication::BlockHashes h;
      h.block_size = m.block_size;
      h.file_size = e.size;
      h.hashes.resize(n);
      for (auto& value : h.hashes) r.integer(value);
      e.hashes = std::move(h);
    }
    m.entries.push_back(std::move(e));
  }
  if (r.left() != 0) return fail(Errc::invalid_argument, "the peer's tree manifest is not valid: " + std::to_string(r.left()) + " bytes follow its last entry");
  return m;
}

namespace {

constexpr char kRequestMagic[4] = {'H', 'V', 'M', 'Q'};

Error bad_request(const std::string& why) {
  return fail(Errc::invalid_argument, "the peer's request for a tree manifest is not valid: " + why);
}

}  // namespace

std::vector<std::byte> encode_manifest_request(const ManifestOptions& options) {
  Writer w;
  w.bytes(kRequestMagic, sizeof kRequestMagic);
  w.integer<std::uint8_t>(kVersion);
  w.integer<std::uint8_t>(options.with_hashes ? 1 : 0);
  w.integer<std::uint64_t>(options.block_size);
  w.integer<std::uint8_t>(options.roots ? 1 : 0);
  if (options.roots) {
    w.integer<std::uint64_t>(options.roots->size());
    for (const auto& root : *options.roots) w.str(root);
  }
  return w.take();
}

Result<ManifestOptions> decode_manifest_request(std::span<const std::byte> bytes) {
  if (bytes.size() < sizeof kRequestMagic || std::memcmp(bytes.data(), kRequestMagic, sizeof kRequestMagic) != 0)
    return bad_request("it does not start with \"HVMQ\"");
  Reader r(bytes.subspan(sizeof kRequestMagic));
  std::uint8_t version = 0, with_hashes = 0, has_roots = 0;
  ManifestOptions options;
  if (!r.integer(version) || version != kVersion) return bad_request("version " + std::to_string(version) + ", expected 1");
  if (!r.integer(with_hashes) || with_hashes > 1) return bad_request("the hashes flag is cut short or not 0/1");
  if (!r.integer(options.block_size) || options.block_size < kMinBlock || options.block_size > kMaxBlock)
    return bad_request("block size " + std::to_string(options.block_size) + " is cut short or outside [4 KiB, 64 MiB]");
  if (!r.integer(has_roots) || has_roots > 1) return bad_request("the roots flag is cut short or not 0/1");
  options.with_hashes = with_hashes == 1;
  if (has_roots) {
    std::uint64_t count = 0;
    // Each root takes at least 5 bytes: a count beyond what is left is a lie.
    if (!r.integer(count) || count > r.left() / 5) return bad_request("the root count is cut short or larger than the request");
    std::vector<std::string> roots;
    roots.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      std::string root;
      if (!r.str(root, replication::kMaxChangePath)) return bad_request("root " + std::to_string(i) + " is cut short or longer than 4096 bytes");
      if (!replication::is_safe_relative_path(root))
        return bad_request("root " + std::to_string(i) + " ('" + replication::printable_path(root) + "') is not a path inside the directory");
      roots.push_back(std::move(root));
    }
    options.roots = std::move(roots);
  }
  if (r.left() != 0) return bad_request(std::to_string(r.left()) + " bytes left over after the request");
  return options;
}

}  // namespace haven::reintegration
