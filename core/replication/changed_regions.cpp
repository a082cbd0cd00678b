#include "replication/changed_regions.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace haven::replication {
namespace {

constexpr char kMagic[8] = {'H', 'V', 'C', 'R', 'L', 'O', 'G', '1'};
constexpr std::uint8_t kRange = 1;
constexpr std::uint8_t kWhole = 2;
constexpr std::size_t kMaxPath = 4096;
// A record: u32 payload size, payload (kind u8, offset u64, length u64, path bytes), u64 XXH3 of the payload.
constexpr std::size_t kFixedPayload = 1 + 8 + 8;

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

Status write_all(int fd, const std::string& bytes, const std::filesystem::path& file) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::io_error, "cannot write the changed-regions log " + file.string() + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

}  // namespace

void add_range(FileChanges& changes, ByteRange range) {
  if (changes.whole || range.length == 0) return;
  auto& rs = changes.ranges;
  auto it = std::lower_bound(rs.begin(), rs.end(), range,
                             [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  it = rs.insert(it, range);
  // Merge with the previous one, then swallow every following range it touches.
  if (it != rs.begin() && std::prev(it)->offset + std::prev(it)->length >= it->offset) {
    auto prev = std::prev(it);
    prev->length = std::max(prev->offset + prev->length, it->offset + it->length) - prev->offset;
    it = std::prev(rs.erase(it));
  }
  auto next = std::next(it);
  while (next != rs.end() && it->offset + it->length >= next->offset) {
    it->length = std::max(it->offset + it->length, next->offset + next->length) - it->offset;
    next = rs.erase(next);
  }
}

Result<ChangedRegionsLog> ChangedRegionsLog::open(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::io_error, "cannot open the changed-regions log " + file.string() + ": " + std::strerror(errno));
  ChangedRegionsLog log(file, fd);
  if (auto st = log.load(); !st.ok()) return std::move(st).error();
  return log;
}

ChangedRegionsLog::ChangedRegionsLog(ChangedRegionsLog&& other) noexcept { *this = std::move(other); }

ChangedRegionsLog& ChangedRegionsLog::operator=(ChangedRegionsLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    file_ = std::move(other.file_);
    fd_ = std::exchange(other.fd_, -1);
    intact_ = other.intact_;
    damage_ = std::move(other.damage_);
    regions_ = std::move(other.regions_);
  }
  return *this;
}

ChangedRegionsLog::~ChangedRegionsLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status ChangedRegionsLog::load() {
  std::string bytes;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::pread(fd_, buffer, sizeof buffer, static_cast<off_t>(bytes.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(Errc::io_error, "cannot read the changed-regions log " + file_.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  if (bytes.empty()) {
    if (auto st = write_all(fd_, std::string(kMagic, sizeof kMagic), file_); !st.ok()) return st;
    return sync();
  }
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    intact_ = false;
    damage_ = "its header is not a haven changed-regions log header";
    return ok_status();
  }
  std::size_t at = sizeof kMagic;
  std::size_t good_end = at;
  while (at < bytes.size()) {
    const std::size_t left = bytes.size() - at;
    if (left < 4) break;  // a torn last record: its write was never acknowledged
    std::uint64_t size = 0;
    for (int i = 3; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(bytes[at + i]);
    // An impossible size is damage, never a torn tail: taking it for one could drop records
    // that follow it, and fast reintegration would then miss changes.
    if (size < kFixedPayload || size > kFixedPayload + kMaxPath) {
      intact_ = false;
      damage_ = "a record of impossible size " + std::to_string(size) + " at byte " + std::to_string(at);
      break;
    }
    if (4 + size + 8 > left) break;  // torn last record
    const char* payload = bytes.data() + at + 4;
    const bool valid = XXH3_64bits(payload, size) == get_u64(payload + size) && (payload[0] == kRange || payload[0] == kWhole);
    if (!valid) {
      if (4 + size + 8 != left) {
        intact_ = false;
        damage_ = "a damaged record at byte " + std::to_string(at) + " before the end";
      }
      break;  // a damaged last record is a torn one
    }
    const std::string path(payload + kFixedPayload, size - kFixedPayload);
    auto& changes = regions_[path];
    if (payload[0] == kWhole) {
      changes.whole = true;
      changes.ranges.clear();
    } else {
      add_range(changes, {get_u64(payload + 1), get_u64(payload + 9)});
    }
    at += 4 + size + 8;
    good_end = at;
  }
  // Appends go after the last good record, over a torn tail.
  if (intact_ && good_end < bytes.size() && ::ftruncate(fd_, static_cast<off_t>(good_end)) != 0)
    return fail(Errc::io_error, "cannot cut the torn end of " + file_.string() + ": " + std::strerror(errno));
  if (::lseek(fd_, 0, SEEK_END) < 0)
    return fail(Errc::io_error, "cannot seek in " + file_.string() + ": " + std::strerror(errno));
  return ok_status();
}

Status ChangedRegionsLog::append(std::uint8_t kind, const std::string& path, std::uint64_t offset, std::uint64_t length) {
  if (path.empty() || path.size() > kMaxPath)
    return fail(Errc::invalid_argument, "path of " + std::to_string(path.size()) +
                                            " bytes for the changed-regions log: expected 1 to 4096");
  std::string payload;
  payload.push_back(static_cast<char>(kind));
  put_u64(payload, offset);
  put_u64(payload, length);
  payload += path;
  std::string record;
  const auto size = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) record.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  record += payload;
  put_u64(record, XXH3_64bits(payload.data(), payload.size()));
  return write_all(fd_, record, file_);
}

Status ChangedRegionsLog::record_range(const std::string& path, std::uint64_t offset, std::uint64_t length) {
  if (auto st = append(kRange, path, offset, length); !st.ok()) return st;
  add_range(regions_[path], {offset, length});
  return ok_status();
}

Status ChangedRegionsLog::record_whole(const std::string& path) {
  if (auto st = append(kWhole, path, 0, 0); !st.ok()) return st;
  auto& changes = regions_[path];
  changes.whole = true;
  changes.ranges.clear();
  return ok_status();
}

Status ChangedRegionsLog::sync() {
  if (::fdatasync(fd_) != 0)
    return fail(Errc::io_error, "cannot make the changed-regions log " + file_.string() + " durable: " + std::strerror(errno));
  return ok_status();
}

Status ChangedRegionsLog::reset() {
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) < 0)
    return fail(Errc::io_error, "cannot empty the changed-regions log " + file_.string() + ": " + std::strerror(errno));
  if (auto st = write_all(fd_, std::string(kMagic, sizeof kMagic), file_); !st.ok()) return st;
  regions_.clear();
  intact_ = true;
  damage_.clear();
  return sync();
}

}  // namespace haven::replication
