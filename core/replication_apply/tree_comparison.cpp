#include "replication_apply/tree_comparison.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::replication {
namespace {

struct Node {
  struct stat st {};
  std::string target;
  std::map<std::string, std::string> xattrs;
};

using Tree = std::map<std::string, Node>;

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

Error read_error(const char* side, const std::string& path, const std::string& step, int err) {
  return fail(Errc::io_error, std::string("cannot compare trees: ") + step + " '" + printable_path(path) + "' in tree " + side +
                                  ": " + std::strerror(err));
}

Status read_xattrs(int node_fd, const char* side, const std::string& path, std::map<std::string, std::string>& out) {
  const std::string at = proc_fd_path(node_fd);
  for (;;) {
    const ssize_t size = ::listxattr(at.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == ENOTSUP || errno == EPERM) return ok_status();
      return read_error(side, path, "list the extended attributes of", errno);
    }
    std::string names(static_cast<std::size_t>(size), '\0');
    const ssize_t got = ::listxattr(at.c_str(), names.data(), names.size());
    if (got < 0 && errno == ERANGE) continue;  // grew meanwhile
    if (got < 0) return read_error(side, path, "list the extended attributes of", errno);
    names.resize(static_cast<std::size_t>(got));
    for (std::size_t start = 0; start < names.size();) {
      const std::string name(names.c_str() + start);
      start += name.size() + 1;
      std::string value;
      for (;;) {
        const ssize_t vsize = ::getxattr(at.c_str(), name.c_str(), nullptr, 0);
        if (vsize < 0 && errno == ENODATA) break;
        if (vsize < 0) return read_error(side, path, "read attribute " + name + " of", errno);
        value.assign(static_cast<std::size_t>(vsize), '\0');
        const ssize_t vgot = ::getxattr(at.c_str(), name.c_str(), value.data(), value.size());
        if (vgot < 0 && errno == ERANGE) continue;
        if (vgot < 0) return read_error(side, path, "read attribute " + name + " of", errno);
        value.resize(static_cast<std::size_t>(vgot));
        out[name] = value;
        break;
      }
    }
    return ok_status();
  }
}

Status walk(int dir_fd, const std::string& prefix, const char* side, const TreeComparisonOptions& options, Tree& tree) {
  const int listing = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listing < 0) return read_error(side, prefix.empty() ? "." : prefix, "open the folder", errno);
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(listing));
  if (!dir) {
    ::close(listing);
    return read_error(side, prefix, "list the folder", errno);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  for (const auto& name : names) {
    const std::string path = prefix.empty() ? name : prefix + "/" + name;
    UniqueFd node(::openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node.valid()) return read_error(side, path, "open", errno);
    Node n;
    if (::fstat(node.get(), &n.st) != 0) return read_error(side, path, "stat", errno);
    if (S_ISLNK(n.st.st_mode)) {
      std::string target(PATH_MAX, '\0');
      const ssize_t len = ::readlinkat(node.get(), "", target.data(), target.size());
      if (len < 0) return read_error(side, path, "read the link", errno);
      target.resize(static_cast<std::size_t>(len));
      n.target = target;
    }
    if (options.xattrs) {
      if (auto st = read_xattrs(node.get(), side, path, n.xattrs); !st.ok()) return st;
    }
    const bool is_dir = S_ISDIR(n.st.st_mode);
    tree.emplace(path, std::move(n));
    if (is_dir) {
      UniqueFd sub(::openat(dir_fd, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return read_error(side, path, "open the folder", errno);
      if (auto st = walk(sub.get(), path, side, options, tree); !st.ok()) return st;
    }
  }
  return ok_status();
}

std::string type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "folder";
    case S_IFLNK: return "symbolic link";
    case S_IFIFO: return "FIFO";
    case S_IFSOCK: return "socket";
    case S_IFCHR: return "character device";
    case S_IFBLK: return "block device";
  }
  return "unknown type";
}

std::string octal(mode_t mode) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

std::string time_text(const timespec& t) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%lld.%09ld", static_cast<long long>(t.tv_sec), t.tv_nsec);
  return buffer;
}

std::string both(const std::string& a, const std::string& b) { return "a " + a + ", b " + b; }

// The other names of each path's inode within the tree (folders excluded: they cannot be linked).
std::map<std::string, std::vector<std::string>> link_groups(const Tree& tree) {
  std::map<std::pair<dev_t, ino_t>, std::vector<std::string>> by_inode;
  for (const auto& [path, node] : tree)
    if (!S_ISDIR(node.st.st_mode)) by_inode[{node.st.st_dev, node.st.st_ino}].push_back(path);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [inode, paths] : by_inode)
    for (const auto& p : paths) out[p] = paths;
  return out;
}

std::string names_text(const std::vector<std::string>& names) {
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + printable_path(names[i]) + "'";
  return out + "}";
}

Result<bool> same_contents(int root_a, int root_b, const std::string& path) {
  UniqueFd a(open_beneath(root_a, path, O_RDONLY | O_CLOEXEC, PathResolution::automatic));
  if (!a.valid()) return read_error("a", path, "open", errno);
  UniqueFd b(open_beneath(root_b, path, O_RDONLY | O_CLOEXEC, PathResolution::automatic));
  if (!b.valid()) return read_error("b", path, "open", errno);
  constexpr std::size_t kChunk = 1 << 20;
  auto buffer_a = std::make_unique<char[]>(kChunk);
  auto buffer_b = std::make_unique<char[]>(kChunk);
  for (off_t at = 0;;) {
    const ssize_t na = ::pread(a.get(), buffer_a.get(), kChunk, at);
    if (na < 0) return read_error("a", path, "read", errno);
    std::size_t nb = 0;
    while (nb < static_cast<std::size_t>(na)) {
      const ssize_t n = ::pread(b.get(), buffer_b.get() + nb, static_cast<std::size_t>(na) - nb, at + static_cast<off_t>(nb));
      if (n < 0) return read_error("b", path, "read", errno);
      if (n == 0) return false;
      nb += static_cast<std::size_t>(n);
    }
    if (na == 0) {
      char probe;
      const ssize_t extra = ::pread(b.get(), &probe, 1, at);
      return extra == 0;
    }
    if (std::memcmp(buffer_a.get(), buffer_b.get(), static_cast<std::size_t>(na)) != 0) return false;
    at += na;
  }
}

}  // namespace

const char* to_string(DifferenceKind kind) noexcept {
  switch (kind) {
    case DifferenceKind::only_in_a: return "only_in_a";
    case DifferenceKind::only_in_b: return "only_in_b";
    case DifferenceKind::type: return "type";
    case DifferenceKind::mode: return "mode";
    case DifferenceKind::owner: return "owner";
    case DifferenceKind::mtime: return "mtime";
    case DifferenceKind::size: return "size";
    case DifferenceKind::contents: return "contents";
    case DifferenceKind::symlink_target: return "symlink_target";
    case DifferenceKind::device: return "device";
    case DifferenceKind::xattrs: return "xattrs";
    case DifferenceKind::hard_links: return "hard_links";
  }
  return "unknown";
}

std::string describe(const TreeDifference& d) {
  return std::string(to_string(d.kind)) + " of '" + printable_path(d.path) + "'" + (d.detail.empty() ? "" : ": " + d.detail);
}

Result<std::vector<TreeDifference>> compare_trees(int dir_a, int dir_b, const TreeComparisonOptions& options) {
  Tree a, b;
  if (auto st = walk(dir_a, "", "a", options, a); !st.ok()) return std::move(st).error();
  if (auto st = walk(dir_b, "", "b", options, b); !st.ok()) return std::move(st).error();
  const auto links_a = options.hard_links ? link_groups(a) : std::map<std::string, std::vector<std::string>>{};
  const auto links_b = options.hard_links ? link_groups(b) : std::map<std::string, std::vector<std::string>>{};

  std::vector<TreeDifference> out;
  auto add = [&](const std::string& path, DifferenceKind kind, std::string detail) { out.push_back({path, kind, std::move(detail)}); };
  for (const auto& [path, na] : a)
    if (!b.contains(path)) add(path, DifferenceKind::only_in_a, type_name(na.st.st_mode));
  for (const auto& [path, nb] : b) {
    auto it = a.find(path);
    if (it == a.end()) {
      add(path, DifferenceKind::only_in_b, type_name(nb.st.st_mode));
      continue;
    }
    const struct stat& sa = it->second.st;
    const struct stat& sb = nb.st;
    if ((sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) {
      add(path, DifferenceKind::type, both(type_name(sa.st_mode), type_name(sb.st_mode)));
      continue;
    }
    const bool is_link = S_ISLNK(sa.st_mode), is_dir = S_ISDIR(sa.st_mode), is_file = S_ISREG(sa.st_mode);
    if (!is_link && (sa.st_mode & 07777) != (sb.st_mode & 07777)) add(path, DifferenceKind::mode, both(octal(sa.st_mode), octal(sb.st_mode)));
    if (options.owner && (sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid))
      add(path, DifferenceKind::owner,
          both(std::to_string(sa.st_uid) + ":" + std::to_string(sa.st_gid), std::to_string(sb.st_uid) + ":" + std::to_string(sb.st_gid)));
    const bool check_mtime = is_dir ? options.directory_mtime : options.mtime;
    if (check_mtime && (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec || sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec))
      add(path, DifferenceKind::mtime, both(time_text(sa.st_mtim), time_text(sb.st_mtim)));
    if (is_file && sa.st_size != sb.st_size)
      add(path, DifferenceKind::size, both(std::to_string(sa.st_size), std::to_string(sb.st_size)) + " bytes");
    if (is_file && sa.st_size == sb.st_size && options.contents) {
      auto same = same_contents(dir_a, dir_b, path);
      if (!same.ok()) return std::move(same).error();
      if (!*same) add(path, DifferenceKind::contents, "same size, other bytes");
    }
    if (is_link && it->second.target != nb.target)
      add(path, DifferenceKind::symlink_target, both("'" + printable_path(it->second.target) + "'", "'" + printable_path(nb.target) + "'"));
    if ((S_ISCHR(sa.st_mode) || S_ISBLK(sa.st_mode)) && sa.st_rdev != sb.st_rdev)
      add(path, DifferenceKind::device,
          both(std::to_string(major(sa.st_rdev)) + ":" + std::to_string(minor(sa.st_rdev)),
               std::to_string(major(sb.st_rdev)) + ":" + std::to_string(minor(sb.st_rdev))));
    if (options.xattrs && it->second.xattrs != nb.xattrs) {
      std::set<std::string> names;
      for (const auto& [name, value] : it->second.xattrs)
        if (!nb.xattrs.contains(name) || nb.xattrs.at(name) != value) names.insert(name);
      for (const auto& [name, value] : nb.xattrs)
        if (!it->second.xattrs.contains(name)) names.insert(name);
      std::string detail = "differ in";
      for (const auto& name : names) detail += " " + printable_path(name);
      add(path, DifferenceKind::xattrs, detail);
    }
    if (options.hard_links && !is_dir) {
      const auto& ga = links_a.at(path);
      const auto& gb = links_b.at(path);
      if (ga != gb) add(path, DifferenceKind::hard_links, both(names_text(ga), names_text(gb)));
    }
  }
  std::sort(out.begin(), out.end(), [](const TreeDifference& x, const TreeDifference& y) {
    return std::tie(x.path, x.kind) < std::tie(y.path, y.kind);
  });
  return out;
}

Result<std::vector<TreeDifference>> compare_trees(const std::filesystem::path& a, const std::filesystem::path& b,
                                                  const TreeComparisonOptions& options) {
  UniqueFd fa(::open(a.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fa.valid()) return fail(Errc::io_error, "cannot compare trees: cannot open folder " + a.string() + ": " + std::strerror(errno));
  UniqueFd fb(::open(b.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fb.valid()) return fail(Errc::io_error, "cannot compare trees: cannot open folder " + b.string() + ": " + std::strerror(errno));
  return compare_trees(fa.get(), fb.get(), options);
}

}  // namespace haven::replication
