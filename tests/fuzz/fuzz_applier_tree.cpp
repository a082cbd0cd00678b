// The secondary's applier (replication_apply/applier.hpp) over a hostile tree: the target makes
// a scratch tree in /dev/shm holding what a local user of the secondary could have left there
// (symbolic links leading out of the tree, to a folder, a file, a FIFO or "/"; hard links to
// a file outside the tree; FIFOs and sockets; folders where files are expected), then applies
// changes derived from the input to it, as the replication link would in sequence order.
//
// Input: byte 0 the number N of hostile entries (at most 12), N pairs (path from a table of
// 16, kind of entry), then changes to the end: a byte whose bit 7 set means "an encoded change
// follows" (u16 length, then change_message.hpp's encoding, decoded as the secondary decodes
// it); otherwise the byte picks the kind (1 + b % 17) and 4 more bytes give the path, the
// second path or link target, a mode or flags byte and a size/value byte.
//
// Checked after every change: the file outside the tree (reached only through symbolic links)
// keeps its content, mode, owner, times, xattrs and link count; the file outside the tree that
// a hard link in the tree shares keeps them too unless the change modifies in place the node
// its path names (write, truncate, fallocate, chmod, chown, utimens, xattrs, fsync: a hard link
// is the same file), and its link count goes back to 1 once the tree is gone; nothing is
// created, removed or changed in the folder outside the tree (recursively, links not
// followed); no change takes more than 5 s (a FIFO opened for reading or writing would block);
// a refusal names the change (create over a hard-linked file once emptied the file outside:
// corpus/fuzz_applier_tree/create_over_hard_link). HAVEN_FUZZ_TRACE=1 prints each change and
// its outcome.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "fuzz_check.hpp"
#include "replication/change_message.hpp"
#include "replication_apply/applier.hpp"
#include "replication_apply/beneath_path.hpp"

namespace fs = std::filesystem;
using namespace haven;
using namespace haven::replication;

namespace {

const char* const kPaths[16] = {"a", "b", "c", "h", "l", "p", "f", "s", "a/x", "a/y", "b/x", "l/x", "l/sub/x", "h/x", "d/e/f", "d/e"};

// One file, folder or link outside the tree, as lstat and a read show it (links not followed).
struct NodeState {
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  nlink_t nlink = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::string content;  // regular files; a link's target
  std::vector<std::string> xattrs;
  bool operator==(const NodeState&) const = default;
};

std::string describe(const NodeState& s) {
  char text[200];
  std::snprintf(text, sizeof text, "mode %o uid %u gid %u nlink %lu size %ld mtime %lld ctime %lld", static_cast<unsigned>(s.mode),
                static_cast<unsigned>(s.uid), static_cast<unsigned>(s.gid), static_cast<unsigned long>(s.nlink), static_cast<long>(s.size),
                static_cast<long long>(s.mtime_ns), static_cast<long long>(s.ctime_ns));
  return std::string(text) + " content '" + printable_path(s.content.substr(0, 64)) + "' xattrs " + std::to_string(s.xattrs.size());
}

NodeState state_of(const fs::path& p) {
  NodeState s;
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return s;
  s.mode = st.st_mode;
  s.uid = st.st_uid;
  s.gid = st.st_gid;
  s.nlink = st.st_nlink;
  s.size = st.st_size;
  s.mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
  s.ctime_ns = st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec;
  if (S_ISREG(st.st_mode)) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      char buffer[4096];
      ssize_t n;
      while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && s.content.size() < (1u << 20)) s.content.append(buffer, static_cast<std::size_t>(n));
      ::close(fd);
    }
  } else if (S_ISLNK(st.st_mode)) {
    char target[4096];
    const ssize_t n = ::readlink(p.c_str(), target, sizeof target);
    if (n > 0) s.content.assign(target, static_cast<std::size_t>(n));
  }
  char names[4096];
  const ssize_t n = ::llistxattr(p.c_str(), names, sizeof names);
  for (ssize_t i = 0; i < n;) {
    std::string name(names + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    char value[256];
    const ssize_t v = ::lgetxattr(p.c_str(), name.c_str(), value, sizeof value);
    s.xattrs.push_back(name + "=" + (v >= 0 ? std::string(value, static_cast<std::size_t>(v)) : std::string("?")));
  }
  std::sort(s.xattrs.begin(), s.xattrs.end());
  return s;
}

// Everything below `root`, links not followed: what must never change.
std::map<std::string, NodeState> snapshot(const fs::path& root, const std::string& skip) {
  std::map<std::string, NodeState> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec); !ec && it != fs::end(it); it.increment(ec)) {
    const std::string rel = it->path().lexically_relative(root).string();
    NodeState s = state_of(it->path());
    if (rel == skip) continue;  // checked on its own, change by change
    out[rel] = std::move(s);
  }
  return out;
}

struct Workspace {
  fs::path base, outside, tree, canary, linked, outside_fifo;
};

const Workspace& workspace() {
  // On the heap and never destroyed: the clean-up registered with atexit runs after the
  // static objects are destroyed (a static path would be gone by then).
  static const Workspace* w = [] {
    auto* made = new Workspace;
    Workspace& ws = *made;
    std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
    std::string pattern = base + "/haven-fuzz-applier-XXXXXX";
    HAVEN_FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot make a work folder in " + base);
    ws.base = pattern;
    ws.outside = ws.base / "outside";
    ws.tree = ws.base / "tree";
    ws.canary = ws.outside / "canary";
    ws.linked = ws.outside / "linked";
    ws.outside_fifo = ws.outside / "fifo";
    fs::create_directories(ws.outside / "sub");
    auto write_file = [](const fs::path& p, const char* text, mode_t mode) {
      const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
      HAVEN_FUZZ_CHECK(fd >= 0 && ::write(fd, text, std::strlen(text)) > 0, "cannot write " + p.string());
      ::fchmod(fd, mode);
      ::close(fd);
      (void)::setxattr(p.c_str(), "user.canary", "1", 1, 0);
    };
    write_file(ws.canary, "CANARY: must never change\n", 0640);
    write_file(ws.linked, "LINKED: shared with the tree by a hard link\n", 0600);
    write_file(ws.outside / "sub" / "inner", "INNER\n", 0644);
    HAVEN_FUZZ_CHECK(::mkfifo(ws.outside_fifo.c_str(), 0600) == 0, "cannot make the FIFO outside");
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(workspace().base, ec);
    });
    return made;
  }();
  return *w;
}

// Aborts an input that runs too long: an open of a FIFO would block forever. libFuzzer's own
// -timeout uses SIGALRM, so this is a thread.
class Watchdog {
 public:
  Watchdog() : thread_([this] { run(); }) { thread_.detach(); }
  void arm() {
    std::lock_guard lock(mutex_);
    deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    armed_ = true;
  }
  void disarm() {
    std::lock_guard lock(mutex_);
    armed_ = false;
  }
  void set_doing(std::string doing) {
    std::lock_guard lock(mutex_);
    doing_ = std::move(doing);
  }

 private:
  void run() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::lock_guard lock(mutex_);
      if (armed_ && std::chrono::steady_clock::now() > deadline_) {
        std::fprintf(stderr, "fuzz property violated: a change did not return within 5 s (a FIFO opened and blocked?): %s\n",
                     doing_.c_str());
        std::abort();
      }
    }
  }
  std::mutex mutex_;
  std::chrono::steady_clock::time_point deadline_;
  bool armed_ = false;
  std::string doing_;
  std::thread thread_;
};

// Hostile entries: what a local user could leave in the secondary's directory. Made only
// below real folders of the tree (missing ones are made): the target itself must never go
// through one of its own links.
void make_entry(const Workspace& ws, const std::string& rel, std::uint8_t kind) {
  const fs::path p = ws.tree / rel;
  for (std::size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    const fs::path folder = ws.tree / rel.substr(0, slash);
    struct stat st {};
    if (::lstat(folder.c_str(), &st) != 0) {
      if (::mkdir(folder.c_str(), 0755) != 0) return;
    } else if (!S_ISDIR(st.st_mode)) {
      return;  // a link or a file where a folder would be
    }
  }
  struct stat existing {};
  if (::lstat(p.c_str(), &existing) == 0) return;
  std::string up;
  for (char c : rel)
    if (c == '/') up += "../";
  switch (kind % 12) {
    case 0: ::mkdir(p.c_str(), 0755); break;
    case 1: {
      const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0) {
        (void)::write(fd, "inside\n", 7);
        ::close(fd);
      }
      break;
    }
    case 2: (void)::symlink(ws.outside.c_str(), p.c_str()); break;
    case 3: (void)::symlink(ws.canary.c_str(), p.c_str()); break;
    case 4: (void)::symlink((up + "../outside/canary").c_str(), p.c_str()); break;
    case 5: (void)::link(ws.linked.c_str(), p.c_str()); break;
    case 6: ::mkfifo(p.c_str(), 0666); break;
    case 7: (void)::symlink(ws.outside_fifo.c_str(), p.c_str()); break;
    case 8:  // a folder where a file is expected, holding one
      if (::mkdir(p.c_str(), 0755) == 0) {
        const int fd = ::open((p / "inner").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) ::close(fd);
      }
      break;
    case 9: (void)::symlink((up + "../outside/sub").c_str(), p.c_str()); break;
    case 10: ::mknod(p.c_str(), S_IFSOCK | 0644, 0); break;
    case 11: (void)::symlink("/", p.c_str()); break;
  }
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool byte(std::uint8_t& b) {
    if (at_ >= size_) return false;
    b = data_[at_++];
    return true;
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, size_ - at_);
    auto out = std::span(data_ + at_, n);
    at_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

std::optional<Change> next_change(Reader& in, const Workspace& ws) {
  std::uint8_t k = 0;
  if (!in.byte(k)) return std::nullopt;
  if (k & 0x80) {
    std::uint8_t lo = 0, hi = 0;
    if (!in.byte(lo) || !in.byte(hi)) return std::nullopt;
    const auto bytes = in.take(static_cast<std::size_t>(lo | (hi << 8)));
    auto decoded = decode(std::as_bytes(bytes));
    if (!decoded.ok()) return Change{.kind = ChangeKind::fsync, .path = "-"};  // refused by the decoder: never applied
    return *decoded;
  }
  std::uint8_t p = 0, q = 0, m = 0, v = 0;
  if (!in.byte(p) || !in.byte(q) || !in.byte(m) || !in.byte(v)) return std::nullopt;
  Change c;
  c.kind = static_cast<ChangeKind>(1 + k % 17);
  c.path = kPaths[p % 16];
  c.uid = c.gid = kKeepOwner;
  switch (c.kind) {
    case ChangeKind::write:
      c.offset = std::uint64_t{m} * 512;
      c.data.assign(v, 'w');
      c.length = c.data.size();
      c.mtime_ns = (m & 1) ? 1'700'000'000'000'000'000 : 0;
      break;
    case ChangeKind::truncate: c.length = std::uint64_t{v} * 64; break;
    case ChangeKind::create:
    case ChangeKind::mkdir:
      c.mode = 0600 | (m & 0777);
      if (v & 1) c.uid = c.gid = 1000;
      break;
    case ChangeKind::mknod: {
      const mode_t types[4] = {S_IFIFO, S_IFSOCK, S_IFCHR, S_IFREG};
      c.mode = types[m % 4] | 0644;
      c.rdev = (m % 4 == 2) ? makedev(1, 3) : 0;
      break;
    }
    case ChangeKind::rename:
      c.path2 = kPaths[q % 16];
      c.flags = (m % 3 == 1) ? RENAME_NOREPLACE : (m % 3 == 2) ? RENAME_EXCHANGE : 0;
      break;
    case ChangeKind::link: c.path2 = kPaths[q % 16]; break;
    case ChangeKind::symlink: {
      const std::string targets[4] = {"/etc/passwd", "../../outside/canary", ws.canary.string(), "a"};
      c.path2 = targets[q % 4];
      break;
    }
    case ChangeKind::chmod: c.mode = (std::uint32_t{m} * 17u) & 07777u; break;
    case ChangeKind::chown:
      c.uid = m;
      c.gid = v;
      break;
    case ChangeKind::utimens:
      c.atime_ns = (m & 1) ? kTimeOmit : std::int64_t{v} * 1'000'000'000;
      c.mtime_ns = (m & 2) ? kTimeOmit : std::int64_t{v} * 1'000'000'000 + 7;
      break;
    case ChangeKind::setxattr:
      c.name = std::string("user.") + static_cast<char>('a' + q % 4);
      c.data.assign(v % 32, 'x');
      c.flags = m % 3;  // 0, XATTR_CREATE, XATTR_REPLACE
      break;
    case ChangeKind::removexattr: c.name = std::string("user.") + static_cast<char>('a' + q % 4); break;
    case ChangeKind::fallocate: {
      const std::uint32_t modes[4] = {0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE};
      c.flags = modes[m % 4];
      c.offset = std::uint64_t{v} * 64;
      c.length = (std::uint64_t{m} + 1) * 64;
      break;
    }
    case ChangeKind::fsync: c.flags = m & 1; break;
    default: break;
  }
  return c;
}

bool modifies_in_place(ChangeKind k) {
  switch (k) {
    case ChangeKind::write:
    case ChangeKind::truncate:
    case ChangeKind::fallocate:
    case ChangeKind::chmod:
    case ChangeKind::chown:
    case ChangeKind::utimens:
    case ChangeKind::setxattr:
    case ChangeKind::removexattr:
    case ChangeKind::fsync:
      return true;
    default:
      return false;
  }
}

// The node a change's path names in the tree now (links not followed), as the applier finds it.
std::optional<std::pair<dev_t, ino_t>> node_at(int tree_fd, const std::string& path) {
  const int fd = open_beneath(tree_fd, path, O_PATH, PathResolution::automatic);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  const bool ok = ::fstat(fd, &st) == 0;
  ::close(fd);
  if (!ok) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

// HAVEN_FUZZ_TRACE=1: each change and its outcome on stderr (to read a crash file).
bool trace() {
  static const bool value = std::getenv("HAVEN_FUZZ_TRACE") != nullptr;
  return value;
}


// What of the hard-linked file may change without the change touching it: its link count
// and change time (a name of it in the tree made or removed).
NodeState without_names(NodeState s) {
  s.nlink = 0;
  s.ctime_ns = 0;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Workspace& ws = workspace();
  static Watchdog& watchdog = *new Watchdog;  // never destroyed: its thread runs to the end
  static const NodeState canary = state_of(ws.canary);
  static const std::map<std::string, NodeState> outside = snapshot(ws.outside, "linked");
  static const NodeState linked_at_start = state_of(ws.linked);
  std::error_code ec;
  fs::remove_all(ws.tree, ec);
  fs::create_directory(ws.tree);

  Reader in(data, size);
  std::uint8_t count = 0;
  if (!in.byte(count)) return 0;
  for (unsigned i = 0; i < count % 13u; ++i) {
    std::uint8_t path = 0, kind = 0;
    if (!in.byte(path) || !in.byte(kind)) return 0;
    make_entry(ws, kPaths[path % 16], kind);
  }

  const int tree_fd = ::open(ws.tree.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  HAVEN_FUZZ_CHECK(tree_fd >= 0, "cannot open the tree");
  struct stat linked_st {};
  HAVEN_FUZZ_CHECK(::stat(ws.linked.c_str(), &linked_st) == 0, "the hard-linked file outside is gone");
  const auto linked_node = std::make_pair(linked_st.st_dev, linked_st.st_ino);
  {
    Applier applier(tree_fd);
    NodeState linked = state_of(ws.linked);
    while (auto change = next_change(in, ws)) {
      Change& c = *change;
      if (c.path == "-") continue;
      // The harness's own limit, not the applier's: fallocate really allocates on tmpfs.
      if (c.kind == ChangeKind::fallocate && c.length > (1u << 20)) continue;
      const bool names_linked = node_at(tree_fd, c.path) == std::optional(linked_node);
      watchdog.set_doing(describe_change(c));
      watchdog.arm();
      const Status applied = applier.apply(c);
      watchdog.disarm();
      if (trace()) std::fprintf(stderr, "applied %s: %s\n", describe_change(c).c_str(), applied.ok() ? "ok" : applied.error().message.c_str());
      if (!applied.ok())
        HAVEN_FUZZ_CHECK(applied.error().message.find(to_string(c.kind)) != std::string::npos,
                         "a refusal that does not name the change: " + applied.error().message);

      const NodeState canary_now = state_of(ws.canary);
      HAVEN_FUZZ_CHECK(canary_now == canary, describe_change(c) + " changed the file outside the tree: " + describe(canary_now) +
                                                 ", was " + describe(canary));
      const NodeState linked_now = state_of(ws.linked);
      const bool allowed = names_linked && modifies_in_place(c.kind);
      if (!allowed)
        HAVEN_FUZZ_CHECK(without_names(linked_now) == without_names(linked),
                         describe_change(c) + (names_linked ? " (its path is a hard link to it)" : "") +
                             " changed the file outside the tree that a hard link shares: " + describe(linked_now) + ", was " +
                             describe(linked));
      linked = linked_now;
    }
  }
  ::close(tree_fd);

  const auto outside_now = snapshot(ws.outside, "linked");
  for (const auto& [rel, state] : outside_now) {
    auto was = outside.find(rel);
    HAVEN_FUZZ_CHECK(was != outside.end(), "something was made outside the tree: " + rel);
    HAVEN_FUZZ_CHECK(was->second == state, rel + " outside the tree changed: " + describe(state) + ", was " + describe(was->second));
  }
  HAVEN_FUZZ_CHECK(outside_now.size() == outside.size(), "something outside the tree was removed");
  std::vector<std::string> base;
  for (const auto& e : fs::directory_iterator(ws.base, ec)) base.push_back(e.path().filename().string());
  std::sort(base.begin(), base.end());
  HAVEN_FUZZ_CHECK((base == std::vector<std::string>{"outside", "tree"}), "something was made beside the tree");

  fs::remove_all(ws.tree, ec);
  const NodeState linked_after = state_of(ws.linked);
  HAVEN_FUZZ_CHECK(linked_after.nlink == 1, "the file outside has " + std::to_string(linked_after.nlink) +
                                                " names once the tree is gone: a name was made outside the tree");
  // Put back what a change to it through its hard link was allowed to do, for the next input.
  if (!(without_names(linked_after) == without_names(linked_at_start))) {
    const int fd = ::open(ws.linked.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd >= 0) {
      (void)::write(fd, linked_at_start.content.data(), linked_at_start.content.size());
      ::fchmod(fd, linked_at_start.mode & 07777);
      ::fchown(fd, linked_at_start.uid, linked_at_start.gid);
      ::close(fd);
    }
    (void)::removexattr(ws.linked.c_str(), "user.a");
    (void)::removexattr(ws.linked.c_str(), "user.b");
    (void)::removexattr(ws.linked.c_str(), "user.c");
    (void)::removexattr(ws.linked.c_str(), "user.d");
    (void)::setxattr(ws.linked.c_str(), "user.canary", "1", 1, 0);
  }
  return 0;
}
