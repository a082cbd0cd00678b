#include "replication/change_message.hpp"

#include <cstring>

namespace haven::replication {
namespace {

constexpr std::size_t kFixedSize = 1 + 8 + 8 + 8 + 4 * 4 + 8 + 8 + 8;

template <typename T>
void put(std::vector<std::byte>& out, T value) {
  auto u = static_cast<std::make_unsigned_t<T>>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::byte>((u >> (8 * i)) & 0xff));
}

void put_string(std::vector<std::byte>& out, const std::string& s) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  for (char c : s) out.push_back(static_cast<std::byte>(c));
}

class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  template <typename T>
  bool get(T& value) {
    if (bytes_.size() - at_ < sizeof(T)) return false;
    std::make_unsigned_t<T> u = 0;
    for (std::size_t i = sizeof(T); i-- > 0;) u = (u << 8) | std::to_integer<std::uint8_t>(bytes_[at_ + i]);
    value = static_cast<T>(u);
    at_ += sizeof(T);
    return true;
  }
  bool get_string(std::string& s, std::size_t max) {
    std::uint32_t size = 0;
    if (!get(size) || size > max || bytes_.size() - at_ < size) return false;
    s.assign(reinterpret_cast<const char*>(bytes_.data() + at_), size);
    at_ += size;
    return true;
  }
  bool at_end() const { return at_ == bytes_.size(); }

 private:
  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
};

bool uses_path2(ChangeKind k) { return k == ChangeKind::rename || k == ChangeKind::link || k == ChangeKind::symlink; }

}  // namespace

const char* to_string(ChangeKind kind) noexcept {
  switch (kind) {
    case ChangeKind::write: return "write";
    case ChangeKind::truncate: return "truncate";
    case ChangeKind::create: return "create";
    case ChangeKind::mknod: return "mknod";
    case ChangeKind::unlink: return "unlink";
    case ChangeKind::rename: return "rename";
    case ChangeKind::mkdir: return "mkdir";
    case ChangeKind::rmdir: return "rmdir";
    case ChangeKind::link: return "link";
    case ChangeKind::symlink: return "symlink";
    case ChangeKind::chmod: return "chmod";
    case ChangeKind::chown: return "chown";
    case ChangeKind::utimens: return "utimens";
    case ChangeKind::setxattr: return "setxattr";
    case ChangeKind::removexattr: return "removexattr";
    case ChangeKind::fallocate: return "fallocate";
    case ChangeKind::fsync: return "fsync";
  }
  return "unknown";
}

bool is_safe_relative_path(const std::string& path) noexcept {
  if (path.empty() || path.size() > kMaxChangePath || path.front() == '/') return false;
  if (std::memchr(path.data(), '\0', path.size()) != nullptr) return false;
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    const auto part = std::string_view(path).substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

std::vector<std::byte> encode(const Change& c) {
  std::vector<std::byte> out;
  out.reserve(kFixedSize + 16 + c.path.size() + c.path2.size() + c.name.size() + c.data.size());
  put<std::uint8_t>(out, static_cast<std::uint8_t>(c.kind));
  put(out, c.sequence);
  put(out, c.offset);
  put(out, c.length);
  put(out, c.mode);
  put(out, c.uid);
  put(out, c.gid);
  put(out, c.flags);
  put(out, c.rdev);
  put(out, c.atime_ns);
  put(out, c.mtime_ns);
  put_string(out, c.path);
  put_string(out, c.path2);
  put_string(out, c.name);
  put_string(out, c.data);
  return out;
}

Result<Change> decode(std::span<const std::byte> bytes) {
  auto bad = [](const std::string& what) { return fail(Errc::invalid_argument, "replication change: " + what); };
  Reader r(bytes);
  Change c;
  std::uint8_t kind = 0;
  if (!r.get(kind) || !r.get(c.sequence) || !r.get(c.offset) || !r.get(c.length) || !r.get(c.mode) || !r.get(c.uid) ||
      !r.get(c.gid) || !r.get(c.flags) || !r.get(c.rdev) || !r.get(c.atime_ns) || !r.get(c.mtime_ns))
    return bad("truncated: " + std::to_string(bytes.size()) + " bytes, the fixed fields alone take " +
               std::to_string(kFixedSize));
  if (kind < static_cast<std::uint8_t>(ChangeKind::write) || kind > static_cast<std::uint8_t>(ChangeKind::fsync))
    return bad("unknown kind " + std::to_string(kind));
  c.kind = static_cast<ChangeKind>(kind);
  if (!r.get_string(c.path, kMaxChangePath)) return bad("path missing, truncated or over 4096 bytes");
  if (!r.get_string(c.path2, kMaxChangePath)) return bad("second path missing, truncated or over 4096 bytes");
  if (!r.get_string(c.name, kMaxXattrName)) return bad("xattr name missing, truncated or over 255 bytes");
  if (!r.get_string(c.data, kMaxChangeData)) return bad("data missing, truncated or over 16 MiB");
  if (!r.at_end()) return bad("bytes after the end of the change");
  if (!is_safe_relative_path(c.path))
    return bad(std::string(to_string(c.kind)) + " of a path that is empty, absolute, or has '.', '..' or an empty part");
  // A symlink's target is data the secondary stores, not a path it follows.
  if ((c.kind == ChangeKind::rename || c.kind == ChangeKind::link) && !is_safe_relative_path(c.path2))
    return bad(std::string(to_string(c.kind)) + " to a path that is empty, absolute, or has '.', '..' or an empty part");
  if (c.kind == ChangeKind::symlink && (c.path2.empty() || c.path2.find('\0') != std::string::npos))
    return bad("symlink with an empty target or a NUL byte in it");
  if (!uses_path2(c.kind) && !c.path2.empty()) return bad(std::string(to_string(c.kind)) + " with a second path");
  if (c.kind == ChangeKind::write && c.length != c.data.size())
    return bad("write of length " + std::to_string(c.length) + " carrying " + std::to_string(c.data.size()) + " bytes");
  if (c.kind != ChangeKind::write && c.kind != ChangeKind::setxattr && !c.data.empty())
    return bad(std::string(to_string(c.kind)) + " carrying data");
  if ((c.kind == ChangeKind::setxattr || c.kind == ChangeKind::removexattr) && c.name.empty())
    return bad(std::string(to_string(c.kind)) + " without an attribute name");
  return c;
}

}  // namespace haven::replication
