#include "random_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <functional>

namespace {

const std::vector<std::string> kNames = {"a", "b b", "c\nd", "\xff\xfe", "e-f", "g.h", "\xc3\xbc", "x", "data", "-"};

template <typename T>
T pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

int chance(std::mt19937& rng) { return std::uniform_int_distribution<int>(0, 99)(rng); }

std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::vector<std::string> walk(int root_fd, bool want_dirs) {
  std::vector<std::string> out;
  std::function<void(const std::string&)> rec = [&](const std::string& rel) {
    int fd = ::openat(root_fd, rel.empty() ? "." : rel.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    DIR* d = ::fdopendir(fd);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    for (const auto& n : names) {
      const std::string p = join(rel, n);
      struct stat st {};
      if (::fstatat(root_fd, p.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        if (want_dirs) out.push_back(p);
        rec(p);
      } else if (!want_dirs && S_ISREG(st.st_mode)) {
        out.push_back(p);
      }
    }
  };
  rec("");
  return out;
}

void write_file(int root_fd, const std::string& path, std::mt19937& rng, std::uint64_t max_size) {
  int fd = ::openat(root_fd, path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const auto size = std::uniform_int_distribution<std::uint64_t>(0, max_size)(rng);
  if (chance(rng) < 20) {
    // Sparse: a hole, some data, a hole to the end.
    ::ftruncate(fd, static_cast<off_t>(size + 300 * 1024));
    const auto at = std::uniform_int_distribution<std::uint64_t>(0, size)(rng);
    const std::string data = random_bytes(rng, 5000);
    ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(at + 200 * 1024));
  } else {
    const std::string data = random_bytes(rng, size);
    ::pwrite(fd, data.data(), data.size(), 0);
  }
  ::close(fd);
}

void set_attributes(int root_fd, const std::string& path, std::mt19937& rng, bool is_link) {
  ::fchownat(root_fd, path.c_str(), 1000 + static_cast<uid_t>(chance(rng) % 3), 1000 + static_cast<gid_t>(chance(rng) % 2), AT_SYMLINK_NOFOLLOW);
  if (!is_link) {
    static const std::vector<mode_t> modes = {0644, 0600, 0755, 0640, 0700};
    ::fchmodat(root_fd, path.c_str(), pick(rng, modes), 0);
    if (chance(rng) < 30) {
      int fd = ::openat(root_fd, path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
      const std::string at = "/proc/self/fd/" + std::to_string(fd);
      const std::string value = random_bytes(rng, 20);
      ::setxattr(at.c_str(), chance(rng) < 50 ? "user.one" : "user.two", value.data(), value.size(), 0);
      ::close(fd);
    }
  }
  const timespec times[2] = {{1'600'000'000 + chance(rng) * 1000, 5}, {1'600'000'000 + chance(rng) * 1000, chance(rng) * 7}};
  ::utimensat(root_fd, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

void add_entry(int root_fd, std::mt19937& rng, std::uint64_t max_size) {
  auto dirs = walk(root_fd, true);
  dirs.push_back("");
  const std::string dir = pick(rng, dirs);
  const std::string path = join(dir, pick(rng, kNames) + std::to_string(chance(rng) % 4));
  struct stat st {};
  if (::fstatat(root_fd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return;
  const int kind = chance(rng);
  bool is_link = false;
  if (kind < 20) {
    ::mkdirat(root_fd, path.c_str(), 0755);
  } else if (kind < 70) {
    write_file(root_fd, path, rng, max_size);
  } else if (kind < 80) {
    auto files = walk(root_fd, false);
    if (files.empty()) return;
    ::linkat(root_fd, pick(rng, files).c_str(), root_fd, path.c_str(), 0);
    return;  // shares the other name's attributes
  } else if (kind < 93) {
    ::symlinkat(chance(rng) < 50 ? "../somewhere/else" : pick(rng, kNames).c_str(), root_fd, path.c_str());
    is_link = true;
  } else {
    ::mkfifoat(root_fd, path.c_str(), 0600);
  }
  set_attributes(root_fd, path, rng, is_link);
}

}  // namespace

std::string random_bytes(std::mt19937& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::vector<std::string> regular_files(int root_fd) { return walk(root_fd, false); }

void make_random_tree(int root_fd, std::uint32_t seed, const RandomTreeOptions& options) {
  std::mt19937 rng(seed);
  for (int i = 0; i < options.entries; ++i) add_entry(root_fd, rng, options.max_file_size);
}

void mutate_tree(int root_fd, std::uint32_t seed, int changes) {
  std::mt19937 rng(seed);
  for (int i = 0; i < changes; ++i) {
    auto files = walk(root_fd, false);
    const int kind = chance(rng);
    if (files.empty() || kind < 15) {
      add_entry(root_fd, rng, 300 * 1024);
      continue;
    }
    const std::string file = pick(rng, files);
    if (kind < 25) {
      ::unlinkat(root_fd, file.c_str(), 0);
    } else if (kind < 35) {
      ::fchmodat(root_fd, file.c_str(), 0600, 0);
    } else {
      int fd = ::openat(root_fd, file.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      struct stat st {};
      ::fstat(fd, &st);
      if (kind < 45) {
        ::ftruncate(fd, st.st_size / 2);
      } else {
        const std::string data = random_bytes(rng, 1 + chance(rng) * 50);
        const auto at = std::uniform_int_distribution<off_t>(0, st.st_size + 1000)(rng);
        ::pwrite(fd, data.data(), data.size(), at);
      }
      ::close(fd);
    }
  }
}
