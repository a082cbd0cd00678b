#include "mounted_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <stdexcept>

namespace haven::replication_fs::testing {

std::string why_fuse_unavailable() {
  if (geteuid() != 0) return "the replicated file system tests need root (allow_other, mounting)";
  if (access("/dev/fuse", R_OK | W_OK) != 0) return "/dev/fuse is missing or not usable";
  return {};
}

MountedDir::MountedDir(ReplicationFilter filter, ReplicatedFsOptions options) : filter_(std::move(filter)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "haven-rfs-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  dir_ = pattern;
  auto mounted = ReplicatedFs::mount(dir_, sink_, filter_, options);
  if (!mounted) throw std::runtime_error(mounted.error().message);
  fs_ = std::move(mounted).value();
}

MountedDir::~MountedDir() {
  fs_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string MountedDir::lower_content(const std::string& rel) const {
  int fd = openat(fs_->lower_fd(), rel.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "<missing>";
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
}

void MountedDir::put_below(const std::string& rel, const std::string& content) const {
  int fd = openat(fs_->lower_fd(), rel.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + rel + " underneath the mount");
  if (write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()))
    throw std::runtime_error("cannot write " + rel + " underneath the mount");
  close(fd);
}

bool MountedDir::settle() const {
  for (int attempt = 0; attempt < 500; ++attempt) {
    bool hidden = false;
    int fd = openat(fs_->lower_fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = fdopendir(fd);
    while (dirent* e = readdir(dir))
      if (std::string(e->d_name).starts_with(".fuse_hidden")) hidden = true;
    closedir(dir);
    if (!hidden) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace haven::replication_fs::testing
