#include "module_store/module_archive_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/atomic_file.hpp"
#include "module_store/module_archive_walk.hpp"

namespace haven {
namespace {

Error os_error(const std::string& what, const std::filesystem::path& path, int err) {
  return fail(Errc::io_error, what + " " + path.string() + ": " + std::strerror(err));
}

// Writes the walk into a folder. The walk guarantees that no path goes through a link and
// that nothing is written twice, so plain creation calls are safe here; O_NOFOLLOW and
// O_EXCL keep it so even if that promise were broken.
class FolderWriter final : public ModuleArchiveVisitor {
 public:
  explicit FolderWriter(std::filesystem::path root) : root_(std::move(root)) {}
  ~FolderWriter() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FolderWriter(const FolderWriter&) = delete;
  FolderWriter& operator=(const FolderWriter&) = delete;

  Status directory(const std::string& path, unsigned mode) override {
    auto dir = root_ / path;
    if (auto st = make_folders(dir); !st.ok()) return st;
    // Applied at the end: a read-only folder must still receive its content first.
    folder_modes_.emplace_back(dir, (mode | 0700u) & kModuleModeMask);
    return ok_status();
  }

  Status begin_file(const std::string& path, unsigned mode) override {
    current_ = root_ / path;
    if (auto st = make_folders(current_.parent_path()); !st.ok()) return st;
    mode_ = mode;
    fd_ = ::open(current_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) return os_error("cannot create", current_, errno);
    return ok_status();
  }

  Status file_data(std::string_view chunk) override {
    while (!chunk.empty()) {
      ssize_t n = ::write(fd_, chunk.data(), chunk.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return os_error("cannot write", current_, errno);
      }
      chunk.remove_prefix(static_cast<std::size_t>(n));
    }
    return ok_status();
  }

  Status end_file() override {
    int fd = std::exchange(fd_, -1);
    if (::fchmod(fd, mode_ & kModuleModeMask) != 0 || ::fsync(fd) != 0) {
      int err = errno;
      ::close(fd);
      return os_error("cannot set the mode of or fsync", current_, err);
    }
    if (::close(fd) != 0) return os_error("cannot close", current_, errno);
    return ok_status();
  }

  Status symlink(const std::string& path, const std::string& target) override {
    auto link = root_ / path;
    if (auto st = make_folders(link.parent_path()); !st.ok()) return st;
    if (::symlink(target.c_str(), link.c_str()) != 0) return os_error("cannot create the symbolic link", link, errno);
    return ok_status();
  }

  Status hardlink(const std::string& path, const std::string& target) override {
    auto link = root_ / path;
    if (auto st = make_folders(link.parent_path()); !st.ok()) return st;
    if (::link((root_ / target).c_str(), link.c_str()) != 0) return os_error("cannot create the hard link", link, errno);
    return ok_status();
  }

  Status finish() override {
    // Deepest first, so that a read-only parent does not stop a child's chmod.
    std::sort(folder_modes_.begin(), folder_modes_.end(),
              [](const auto& a, const auto& b) { return a.first.native().size() > b.first.native().size(); });
    for (const auto& [dir, mode] : folder_modes_) {
      if (::chmod(dir.c_str(), mode) != 0) return os_error("cannot set the mode of", dir, errno);
    }
    return sync_folders();
  }

 private:
  // Folders the archive does not list get 0755 whatever the umask: a daemon's umask of 0
  // would otherwise leave them world-writable.
  Status make_folders(const std::filesystem::path& dir) {
    std::filesystem::path at = root_;
    for (const auto& part : dir.lexically_relative(root_)) {
      if (part.empty() || part == ".") continue;
      at /= part;
      if (::mkdir(at.c_str(), 0755) == 0) {
        if (::chmod(at.c_str(), 0755) != 0) return os_error("cannot set the mode of", at, errno);
      } else if (errno != EEXIST) {
        return os_error("cannot create folder", at, errno);
      }
    }
    return ok_status();
  }

  Status sync_folders() {
    std::error_code ec;
    std::vector<std::filesystem::path> dirs{root_};
    for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path());
    }
    if (ec) return fail(Errc::io_error, "cannot list " + root_.string() + ": " + ec.message());
    for (const auto& dir : dirs) {
      if (auto st = sync_directory(dir); !st.ok()) return st;
    }
    return ok_status();
  }

  std::filesystem::path root_;
  std::filesystem::path current_;
  unsigned mode_ = 0;
  int fd_ = -1;
  std::vector<std::pair<std::filesystem::path, unsigned>> folder_modes_;
};

// Keeps the bytes of one member and drops the rest.
class MemberReader final : public ModuleArchiveVisitor {
 public:
  explicit MemberReader(std::string_view member) : member_(member) {}

  Status directory(const std::string&, unsigned) override { return ok_status(); }
  Status begin_file(const std::string& path, unsigned) override {
    in_member_ = path == member_;
    found_ = found_ || in_member_;
    return ok_status();
  }
  Status file_data(std::string_view chunk) override {
    if (in_member_) content_.append(chunk);
    return ok_status();
  }
  Status end_file() override {
    in_member_ = false;
    return ok_status();
  }
  Status symlink(const std::string&, const std::string&) override { return ok_status(); }
  Status hardlink(const std::string& path, const std::string& target) override {
    links_[path] = target;
    return ok_status();
  }
  Status finish() override { return ok_status(); }

  bool found() const { return found_; }
  /// Where the member's chain of hard links ends (each link names an earlier entry), or
  /// empty when the member is no hard link. Followed in memory: a chain of thousands of
  /// links costs one more walk of the archive, not one per link.
  std::string hardlink_target() const {
    std::string at = member_;
    for (std::size_t hops = 0; hops <= links_.size(); ++hops) {
      auto it = links_.find(at);
      if (it == links_.end()) return at == member_ ? std::string() : at;
      at = it->second;
    }
    return {};  // a loop: the walk refuses those, but never follow one here
  }
  std::string take() { return std::move(content_); }

 private:
  std::string member_;
  std::string content_;
  std::map<std::string, std::string> links_;  // hard link path -> the entry it names
  bool in_member_ = false;
  bool found_ = false;
};

}  // namespace

Status extract_module_archive(const std::filesystem::path& archive, const std::filesystem::path& dest,
                              const ArchiveLimits& limits) {
  FolderWriter writer(dest);
  return walk_module_archive(archive, limits, writer);
}

Result<std::string> read_archive_member(const std::filesystem::path& archive, std::string_view member,
                                        const ArchiveLimits& limits) {
  MemberReader reader(member);
  if (auto st = walk_module_archive(archive, limits, reader); !st.ok()) return std::move(st).error();
  if (!reader.found() && !reader.hardlink_target().empty()) {
    MemberReader target(reader.hardlink_target());
    if (auto st = walk_module_archive(archive, limits, target); !st.ok()) return std::move(st).error();
    if (target.found()) return target.take();
  }
  if (!reader.found()) {
    return fail(Errc::not_found, "module archive " + archive.string() + " has no regular file " + std::string(member));
  }
  return reader.take();
}

}  // namespace haven
