// Each operation through the mount: its local effect, and the exact change the sink receives.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mounted_dir.hpp"

using haven::replication::Change;
using haven::replication::ChangeKind;
using haven::replication_fs::ReplicatedFs;
using haven::replication_fs::testing::MountedDir;

namespace {

int check_call(int rc, const std::string& what) {
  INFO(what << ": " << std::strerror(errno));
  REQUIRE(rc >= 0);
  return rc;
}

void put(const std::string& path, const std::string& content, mode_t mode = 0644) {
  int fd = check_call(open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, mode), "open " + path);
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
}

std::string get(const std::string& path) {
  int fd = check_call(open(path.c_str(), O_RDONLY), "open " + path);
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  check_call(lstat(path.c_str(), &st), "lstat " + path);
  return st;
}

// A file made before the test looks at the changes, so only the operation under test is seen.
void prepare(MountedDir& m, const std::string& rel, const std::string& content) {
  m.put_below(rel, content);
  REQUIRE(m.sink().take().empty());
}

std::vector<Change> kinds_only(std::vector<Change> changes, ChangeKind kind) {
  std::vector<Change> out;
  for (auto& c : changes)
    if (c.kind == kind) out.push_back(std::move(c));
  return out;
}

}  // namespace

TEST_CASE("create and write through the mount reach the directory underneath and the sink in order", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  umask(022);
  int fd = check_call(open(m.path("f").c_str(), O_CREAT | O_WRONLY | O_EXCL, 0666), "create");
  REQUIRE(pwrite(fd, "hello", 5, 0) == 5);
  REQUIRE(pwrite(fd, "world", 5, 10) == 5);
  close(fd);

  CHECK(m.lower_content("f") == std::string("hello\0\0\0\0\0world", 15));
  CHECK(get(m.path("f")) == std::string("hello\0\0\0\0\0world", 15));
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].kind == ChangeKind::create);
  CHECK(changes[0].path == "f");
  CHECK(changes[0].mode == 0644);
  CHECK(changes[0].uid == 0);
  CHECK(changes[0].gid == 0);
  CHECK(changes[1].kind == ChangeKind::write);
  CHECK(changes[1].path == "f");
  CHECK(changes[1].offset == 0);
  CHECK(changes[1].length == 5);
  CHECK(changes[1].data == "hello");
  CHECK(changes[2].kind == ChangeKind::write);
  CHECK(changes[2].offset == 10);
  CHECK(changes[2].data == "world");
  // The secondary sets the primary's resulting times, not its own clock's.
  struct stat st {};
  REQUIRE(fstatat(m.fs().lower_fd(), "f", &st, 0) == 0);
  CHECK(changes[2].mtime_ns == st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec);
  CHECK(changes[0].mtime_ns != 0);
  CHECK(changes[0].sequence < changes[1].sequence);
  CHECK(changes[1].sequence < changes[2].sequence);
}

TEST_CASE("getattr shows the file underneath: inode number, links, size, mode", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "a", "12345");
  struct stat above = stat_of(m.path("a"));
  struct stat below {};
  REQUIRE(fstatat(m.fs().lower_fd(), "a", &below, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(above.st_ino == below.st_ino);
  CHECK(above.st_nlink == 1);
  CHECK(above.st_size == 5);
  CHECK(above.st_mode == below.st_mode);
  CHECK(m.sink().take().empty());  // reads never reach the sink
}

TEST_CASE("reading sends nothing to the secondary", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "r", "content");
  CHECK(get(m.path("r")) == "content");
  struct statfs sf {};
  REQUIRE(statfs(m.dir().c_str(), &sf) == 0);
  CHECK(m.sink().take().empty());
}

TEST_CASE("a file with one name keeps its pages across opens: reads of them do not come back to us", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "single", "cached");
  CHECK(get(m.path("single")) == "cached");
  // Changed underneath, where only haven itself writes: the kernel's pages are what it shows,
  // because they were not dropped at the second open.
  m.put_below("single", "CHANGE");
  CHECK(get(m.path("single")) == "cached");
}

TEST_CASE("a file with two names is read afresh at each open: a write through one name is seen through the other",
          "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "one", "first");
  REQUIRE(link(m.path("one").c_str(), m.path("two").c_str()) == 0);
  CHECK(get(m.path("two")) == "first");  // two's pages now in the kernel
  // The same length: each name has its own attributes, cached up to attr_timeout (README).
  int fd = check_call(open(m.path("one").c_str(), O_WRONLY), "open one");
  REQUIRE(pwrite(fd, "later", 5, 0) == 5);
  close(fd);
  CHECK(get(m.path("two")) == "later");
}

TEST_CASE("a 4 MiB write arrives as large writes of at most 1 MiB that cover it exactly", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "big", "");
  std::string data(4 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 4096);
  int fd = check_call(open(m.path("big").c_str(), O_WRONLY), "open big");
  REQUIRE(write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  close(fd);
  auto writes = kinds_only(m.sink().take(), ChangeKind::write);
  std::uint64_t expected_offset = 0;
  for (const auto& w : writes) {
    CHECK(w.offset == expected_offset);
    CHECK(w.length <= (1u << 20));
    CHECK(w.data == data.substr(w.offset, w.length));
    expected_offset += w.length;
  }
  CHECK(expected_offset == data.size());
  CHECK(writes.size() == 4);
  CHECK(m.lower_content("big") == data);
}

TEST_CASE("a write past 4 GiB keeps its 64-bit offset and leaves a hole", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "sparse", "");
  const off_t far = (5LL << 30) + 3;
  int fd = check_call(open(m.path("sparse").c_str(), O_RDWR), "open sparse");
  REQUIRE(pwrite(fd, "x", 1, far) == 1);
  CHECK(lseek(fd, 0, SEEK_DATA) >= (5LL << 30) - (1 << 20));  // the start is a hole
  CHECK(lseek(fd, 0, SEEK_HOLE) == 0);
  close(fd);
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == ChangeKind::write);
  CHECK(changes[0].offset == static_cast<std::uint64_t>(far));
  CHECK(stat_of(m.path("sparse")).st_size == far + 1);
}

TEST_CASE("appends are sent at the offset where they landed", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "log", "abc");
  int fd = check_call(open(m.path("log").c_str(), O_WRONLY | O_APPEND), "open log");
  REQUIRE(write(fd, "def", 3) == 3);
  REQUIRE(write(fd, "gh", 2) == 2);
  close(fd);
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].offset == 3);
  CHECK(changes[0].data == "def");
  CHECK(changes[1].offset == 6);
  CHECK(m.lower_content("log") == "abcdefgh");
}

TEST_CASE("opening with O_TRUNC sends a truncation to zero", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "t", "old content");
  int fd = check_call(open(m.path("t").c_str(), O_WRONLY | O_TRUNC), "open t");
  close(fd);
  CHECK(m.lower_content("t").empty());
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == ChangeKind::truncate);
  CHECK(changes[0].path == "t");
  CHECK(changes[0].length == 0);
}

TEST_CASE("truncate sends the new size", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "t", "0123456789");
  REQUIRE(truncate(m.path("t").c_str(), 4) == 0);
  CHECK(m.lower_content("t") == "0123");
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == ChangeKind::truncate);
  CHECK(changes[0].length == 4);
}

TEST_CASE("unlink removes the file and sends its name", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "gone", "x");
  REQUIRE(unlink(m.path("gone").c_str()) == 0);
  CHECK(m.lower_content("gone") == "<missing>");
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == ChangeKind::unlink);
  CHECK(changes[0].path == "gone");
}

TEST_CASE("a failed local operation sends nothing", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  CHECK(unlink(m.path("absent").c_str()) == -1);
  CHECK(errno == ENOENT);
  CHECK(rmdir(m.path("absent").c_str()) == -1);
  prepare(m, "f", "x");
  CHECK(mkdir(m.path("f").c_str(), 0755) == -1);
  CHECK(errno == EEXIST);
  CHECK(m.sink().take().empty());
}

TEST_CASE("mkdir and rmdir send the directory with its mode and owner", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  umask(0);
  REQUIRE(mkdir(m.path("d").c_str(), 0750) == 0);
  CHECK((stat_of(m.path("d")).st_mode & 07777) == 0750);
  REQUIRE(rmdir(m.path("d").c_str()) == 0);
  umask(022);
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].kind == ChangeKind::mkdir);
  CHECK(changes[0].path == "d");
  CHECK(changes[0].mode == 0750);
  CHECK(changes[1].kind == ChangeKind::rmdir);
  CHECK(changes[1].path == "d");
}

TEST_CASE("symlinks are created with their exact target and read back", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  const std::string target = "../elsewhere/\x01target";
  REQUIRE(symlink(target.c_str(), m.path("ln").c_str()) == 0);
  char buf[256] = {};
  REQUIRE(readlink(m.path("ln").c_str(), buf, sizeof buf - 1) == static_cast<ssize_t>(target.size()));
  CHECK(std::string(buf) == target);
  CHECK(S_ISLNK(stat_of(m.path("ln")).st_mode));
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == ChangeKind::symlink);
  CHECK(changes[0].path == "ln");
  CHECK(changes[0].path2 == "../elsewhere/\x01target");
}

TEST_CASE("hard links share the inode, count their links and are sent as links", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "one", "shared");
  REQUIRE(link(m.path("one").c_str(), m.path("two").c_str()) == 0);
  struct stat two = stat_of(m.path("two"));
  CHECK(two.st_nlink == 2);
  CHECK(two.st_ino == stat_of(m.path("one")).st_ino);
  CHECK(get(m.path("two")) == "shared");
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == ChangeKind::link);
  CHECK(changes[0].path == "one");
  CHECK(changes[0].path2 == "two");
}

TEST_CASE("rename, with RENAME_NOREPLACE and RENAME_EXCHANGE, is sent with its flags", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "a", "A");
  m.put_below("b", "B");
  m.sink().take();

  CHECK(renameat2(AT_FDCWD, m.path("a").c_str(), AT_FDCWD, m.path("b").c_str(), RENAME_NOREPLACE) == -1);
  CHECK(errno == EEXIST);
  REQUIRE(renameat2(AT_FDCWD, m.path("a").c_str(), AT_FDCWD, m.path("b").c_str(), RENAME_EXCHANGE) == 0);
  CHECK(m.lower_content("a") == "B");
  CHECK(m.lower_content("b") == "A");
  REQUIRE(rename(m.path("a").c_str(), m.path("c").c_str()) == 0);
  CHECK(m.lower_content("c") == "B");

  auto changes = m.sink().take();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].kind == ChangeKind::rename);
  CHECK(changes[0].path == "a");
  CHECK(changes[0].path2 == "b");
  CHECK(changes[0].flags == RENAME_EXCHANGE);
  CHECK(changes[1].kind == ChangeKind::rename);
  CHECK(changes[1].path2 == "c");
  CHECK(changes[1].flags == 0);
}

TEST_CASE("writes to an open file that was renamed are sent under its new name", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "old", "");
  int fd = check_call(open(m.path("old").c_str(), O_WRONLY), "open old");
  REQUIRE(rename(m.path("old").c_str(), m.path("new").c_str()) == 0);
  REQUIRE(pwrite(fd, "z", 1, 0) == 1);
  close(fd);
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 2);
  CHECK(changes[1].kind == ChangeKind::write);
  CHECK(changes[1].path == "new");
}

TEST_CASE("chmod, chown and utimens send the exact mode, owner and times", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "f", "x");
  REQUIRE(chmod(m.path("f").c_str(), 04751) == 0);
  REQUIRE(chown(m.path("f").c_str(), 1234, 5678) == 0);
  const timespec times[2] = {{1000000000, 123456789}, {1600000000, 987654321}};
  REQUIRE(utimensat(AT_FDCWD, m.path("f").c_str(), times, 0) == 0);
  struct stat st = stat_of(m.path("f"));
  CHECK(st.st_uid == 1234);
  CHECK(st.st_gid == 5678);
  CHECK(st.st_mtim.tv_nsec == 987654321);

  CHECK((st.st_mode & 07777) == 0751);

  // The kernel clears set-user-ID before a chown, as a chmod of its own: sent like any other.
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 4);
  CHECK(changes[0].kind == ChangeKind::chmod);
  CHECK(changes[0].mode == 04751);
  CHECK(changes[1].kind == ChangeKind::chmod);
  CHECK(changes[1].mode == 0751);
  CHECK(changes[2].kind == ChangeKind::chown);
  CHECK(changes[2].uid == 1234);
  CHECK(changes[2].gid == 5678);
  CHECK(changes[3].kind == ChangeKind::utimens);
  CHECK(changes[3].atime_ns == 1'000'000'000'123'456'789LL);
  CHECK(changes[3].mtime_ns == 1'600'000'000'987'654'321LL);
}

TEST_CASE("a file created by another user belongs to that user", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  REQUIRE(chmod(m.dir().c_str(), 0777) == 0);
  m.sink().take();
  pid_t child = fork();
  if (child == 0) {
    if (setgid(4321) != 0 || setuid(1234) != 0) _exit(2);
    int fd = open((m.dir() / "theirs").c_str(), O_CREAT | O_WRONLY, 0600);
    _exit(fd >= 0 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  struct stat st = stat_of(m.path("theirs"));
  CHECK(st.st_uid == 1234);
  CHECK(st.st_gid == 4321);
  auto creates = kinds_only(m.sink().take(), ChangeKind::create);
  REQUIRE(creates.size() == 1);
  CHECK(creates[0].uid == 1234);
  CHECK(creates[0].gid == 4321);
  CHECK(creates[0].mode == 0600);
}

TEST_CASE("default_permissions: another user cannot write a file that is not theirs", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "mine", "root's");
  REQUIRE(chmod(m.path("mine").c_str(), 0644) == 0);
  m.sink().take();
  pid_t child = fork();
  if (child == 0) {
    if (setgid(4321) != 0 || setuid(1234) != 0) _exit(2);
    int fd = open((m.dir() / "mine").c_str(), O_WRONLY);
    _exit(fd < 0 && errno == EACCES ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(m.sink().take().empty());
}

TEST_CASE("extended attributes are set, read, listed and removed, and sent", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "x", "");
  const std::string value("v\0al", 4);
  REQUIRE(setxattr(m.path("x").c_str(), "user.test", value.data(), value.size(), XATTR_CREATE) == 0);
  char buf[64] = {};
  REQUIRE(getxattr(m.path("x").c_str(), "user.test", buf, sizeof buf) == 4);
  CHECK(std::string(buf, 4) == value);
  char names[256] = {};
  ssize_t listed = listxattr(m.path("x").c_str(), names, sizeof names);
  CHECK(std::string(names, static_cast<std::size_t>(listed)).find("user.test") != std::string::npos);
  REQUIRE(removexattr(m.path("x").c_str(), "user.test") == 0);
  CHECK(getxattr(m.path("x").c_str(), "user.test", buf, sizeof buf) == -1);

  auto changes = m.sink().take();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].kind == ChangeKind::setxattr);
  CHECK(changes[0].name == "user.test");
  CHECK(changes[0].data == value);
  CHECK(changes[0].flags == XATTR_CREATE);
  CHECK(changes[1].kind == ChangeKind::removexattr);
  CHECK(changes[1].name == "user.test");
}

TEST_CASE("fallocate, fsync and fdatasync are sent with their mode and flags", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "f", std::string(8192, 'a'));
  int fd = check_call(open(m.path("f").c_str(), O_RDWR), "open f");
  REQUIRE(fallocate(fd, 0, 8192, 4096) == 0);
  REQUIRE(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) == 0);
  REQUIRE(fsync(fd) == 0);
  REQUIRE(fdatasync(fd) == 0);
  close(fd);
  CHECK(m.lower_content("f").substr(0, 4096) == std::string(4096, '\0'));
  CHECK(stat_of(m.path("f")).st_size == 12288);

  auto changes = m.sink().take();
  REQUIRE(changes.size() == 4);
  CHECK(changes[0].kind == ChangeKind::fallocate);
  CHECK(changes[0].offset == 8192);
  CHECK(changes[0].length == 4096);
  CHECK(changes[0].flags == 0);
  CHECK(changes[1].flags == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE));
  CHECK(changes[2].kind == ChangeKind::fsync);
  CHECK(changes[2].flags == 0);
  CHECK(changes[3].kind == ChangeKind::fsync);
  CHECK(changes[3].flags == 1);
}

TEST_CASE("mknod makes a fifo and sends its type", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  REQUIRE(mkfifo(m.path("pipe").c_str(), 0600) == 0);
  CHECK(S_ISFIFO(stat_of(m.path("pipe")).st_mode));
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].kind == ChangeKind::mknod);
  CHECK(S_ISFIFO(changes[0].mode));
  CHECK((changes[0].mode & 07777) == 0600);
}

TEST_CASE("copy_file_range is sent as the writes it makes", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "src", "0123456789");
  m.put_below("dst", "");
  m.sink().take();
  int in = check_call(open(m.path("src").c_str(), O_RDONLY), "open src");
  int out = check_call(open(m.path("dst").c_str(), O_WRONLY), "open dst");
  off_t in_off = 2, out_off = 0;
  REQUIRE(copy_file_range(in, &in_off, out, &out_off, 5, 0) == 5);
  close(in);
  close(out);
  CHECK(m.lower_content("dst") == "23456");
  auto writes = kinds_only(m.sink().take(), ChangeKind::write);
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].path == "dst");
  CHECK(writes[0].data == "23456");
}

TEST_CASE("a shared writable mapping is written back through us, and msync waits for it", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "mapped", std::string(8192, '.'));
  int fd = check_call(open(m.path("mapped").c_str(), O_RDWR), "open mapped");
  void* at = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(at != MAP_FAILED);
  std::memcpy(static_cast<char*>(at) + 4096, "mapped!", 7);
  REQUIRE(msync(at, 8192, MS_SYNC) == 0);
  CHECK(m.lower_content("mapped").substr(4096, 7) == "mapped!");
  munmap(at, 8192);
  close(fd);
  auto writes = kinds_only(m.sink().take(), ChangeKind::write);
  REQUIRE_FALSE(writes.empty());
  bool carried = false;
  for (const auto& w : writes)
    if (w.offset <= 4096 && w.offset + w.length >= 4096 + 7 && w.data.substr(4096 - w.offset, 7) == "mapped!")
      carried = true;
  CHECK(carried);
}

TEST_CASE("lseek finds data and holes of the file underneath", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "h", "");
  int fd = check_call(open(m.path("h").c_str(), O_RDWR), "open h");
  REQUIRE(pwrite(fd, "d", 1, 1 << 20) == 1);
  CHECK(lseek(fd, 0, SEEK_HOLE) == 0);
  CHECK(lseek(fd, 0, SEEK_DATA) > 0);
  close(fd);
}

TEST_CASE("names with any bytes are sent exactly", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  const std::string name = "a\x01\xff b\n\t\\c";
  put(m.path(name), "x");
  auto changes = m.sink().take();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].path == name);
  CHECK(m.lower_content(name) == "x");
  REQUIRE(mkdir(m.path("d\x7f").c_str(), 0755) == 0);
  put(m.path("d\x7f/" + name), "y");
  changes = m.sink().take();
  REQUIRE(changes.size() == 3);
  CHECK(changes[1].path == "d\x7f/" + name);
}

TEST_CASE("when the secondary does not confirm a change the application gets EIO", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  prepare(m, "f", "");
  m.sink().fail_waits(true);
  int fd = check_call(open(m.path("f").c_str(), O_WRONLY), "open f");
  errno = 0;
  CHECK(write(fd, "x", 1) == -1);
  CHECK(errno == EIO);
  CHECK(fsync(fd) == -1);
  CHECK(errno == EIO);
  close(fd);
  CHECK(mkdir(m.path("d").c_str(), 0755) == -1);
  CHECK(errno == EIO);
  m.sink().fail_waits(false);
}

TEST_CASE("mounting over a directory that already carries a haven mount is refused", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  haven::replication_fs::testing::RecordingSink sink;
  haven::replication_fs::ReplicationFilter filter;
  auto again = ReplicatedFs::mount(m.dir(), sink, filter);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == haven::Errc::refused);
  CHECK_THAT(again.error().message, Catch::Contains(m.dir().string()) && Catch::Contains("already"));
}

TEST_CASE("unmount leaves a plain directory holding what was written", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  put(m.path("kept"), "data");
  CHECK(haven::replication_fs::is_haven_mount(m.dir()));
  REQUIRE(m.unmount().ok());
  CHECK_FALSE(haven::replication_fs::is_haven_mount(m.dir()));
  struct statfs sf {};
  REQUIRE(statfs(m.dir().c_str(), &sf) == 0);
  CHECK(sf.f_type != 0x65735546);  // FUSE_SUPER_MAGIC
  CHECK(get(m.path("kept")) == "data");
  CHECK(m.unmount().ok());  // idempotent
}

TEST_CASE("unmount is refused while a file under the mount is open", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  put(m.path("open"), "x");
  int fd = check_call(open(m.path("open").c_str(), O_RDONLY), "open");
  auto refused = m.unmount();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == haven::Errc::refused);
  CHECK(haven::replication_fs::is_haven_mount(m.dir()));
  close(fd);
  CHECK(m.unmount().ok());
}

TEST_CASE("havend's detach turns a haven mount back into a plain directory", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m;
  put(m.path("kept"), "data");
  REQUIRE(haven::replication_fs::detach_haven_mount(m.dir()).ok());
  CHECK_FALSE(haven::replication_fs::is_haven_mount(m.dir()));
  CHECK(get(m.path("kept")) == "data");
  CHECK(haven::replication_fs::detach_haven_mount(m.dir()).ok());  // nothing left: fine
  CHECK(m.unmount().ok());  // the owner notices it is gone
}

TEST_CASE("havend's detach leaves a mount that is not haven's alone", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  auto result = haven::replication_fs::detach_haven_mount("/proc");
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == haven::Errc::refused);
  CHECK_THAT(result.error().message, Catch::Contains("/proc") && Catch::Contains("proc"));
}
