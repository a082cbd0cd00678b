#include "replication_apply/applier.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <cstdio>
#include <filesystem>

#include "temp_tree.hpp"

using namespace haven::replication;
namespace fs = std::filesystem;

namespace {

std::uint64_t g_sequence = 0;

Change make(ChangeKind kind, std::string path, std::string path2 = {}) {
  Change c;
  c.kind = kind;
  c.sequence = ++g_sequence;
  c.path = std::move(path);
  c.path2 = std::move(path2);
  c.uid = kKeepOwner;
  c.gid = kKeepOwner;
  return c;
}

Change mk_file(std::string path, std::uint32_t mode = 0644) {
  auto c = make(ChangeKind::create, std::move(path));
  c.mode = mode;
  return c;
}

Change mk_write(std::string path, std::uint64_t offset, std::string data) {
  auto c = make(ChangeKind::write, std::move(path));
  c.offset = offset;
  c.length = data.size();
  c.data = std::move(data);
  return c;
}

Change mk_dir(std::string path, std::uint32_t mode = 0755) {
  auto c = make(ChangeKind::mkdir, std::move(path));
  c.mode = mode;
  return c;
}

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}

void require_ok(const haven::Status& st) {
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st.ok());
}

PathResolution any_resolution() { return GENERATE(PathResolution::automatic, PathResolution::component_walk); }

ApplierOptions resolved_by(PathResolution resolution) {
  ApplierOptions options;
  options.resolution = resolution;
  return options;
}

}  // namespace

TEST_CASE("writes, truncates and fallocates land in the file, beyond 4 GiB too", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd(), resolved_by(any_resolution()));
  require_ok(applier.apply(mk_dir("d")));
  require_ok(applier.apply(mk_file("d/f")));
  require_ok(applier.apply(mk_write("d/f", 0, "hello world")));
  require_ok(applier.apply(mk_write("d/f", 6, "haven")));
  CHECK(tree.read("d/f") == "hello haven");

  auto t = make(ChangeKind::truncate, "d/f");
  t.length = 5;
  require_ok(applier.apply(t));
  CHECK(tree.read("d/f") == "hello");

  const std::uint64_t five_gib = 5ULL << 30;
  require_ok(applier.apply(mk_write("d/f", five_gib, "tail")));
  CHECK(lstat_of(tree / "d/f").st_size == static_cast<off_t>(five_gib + 4));

  auto f = make(ChangeKind::fallocate, "d/f");
  f.offset = five_gib + 4;
  f.length = 4096;
  require_ok(applier.apply(f));
  CHECK(lstat_of(tree / "d/f").st_size == static_cast<off_t>(five_gib + 4 + 4096));
}

TEST_CASE("a write carrying the primary's mtime leaves that mtime", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd());
  require_ok(applier.apply(mk_file("f")));
  auto w = mk_write("f", 0, "x");
  w.mtime_ns = 1'600'000'000'123'456'789;
  require_ok(applier.apply(w));
  const auto st = lstat_of(tree / "f");
  CHECK(st.st_mtim.tv_sec == 1'600'000'000);
  CHECK(st.st_mtim.tv_nsec == 123'456'789);
}

TEST_CASE("created nodes get exactly the mode, owner and times of the change, whatever the umask", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd(), resolved_by(any_resolution()));
  const mode_t old_umask = ::umask(077);
  auto c = mk_file("f", 0666);
  c.uid = 1234;
  c.gid = 5678;
  c.mtime_ns = 1'000'000'000'000'000'001;
  require_ok(applier.apply(c));
  require_ok(applier.apply(mk_dir("d", 0775)));
  auto fifo = make(ChangeKind::mknod, "p");
  fifo.mode = S_IFIFO | 0640;
  require_ok(applier.apply(fifo));
  ::umask(old_umask);

  const auto f = lstat_of(tree / "f");
  CHECK((f.st_mode & 07777) == 0666);
  CHECK(f.st_uid == 1234);
  CHECK(f.st_gid == 5678);
  CHECK(f.st_mtim.tv_sec == 1'000'000'000);
  CHECK(f.st_mtim.tv_nsec == 1);
  CHECK((lstat_of(tree / "d").st_mode & 07777) == 0775);
  const auto p = lstat_of(tree / "p");
  CHECK(S_ISFIFO(p.st_mode));
  CHECK((p.st_mode & 07777) == 0640);
}

TEST_CASE("a character device is made with its device number when <rfs devices=\"on\">", "[applier]") {
  TempTree tree;
  ApplierOptions options;
  options.keep_devices = true;
  Applier applier(tree.fd(), options);
  auto dev = make(ChangeKind::mknod, "null");
  dev.mode = S_IFCHR | 0600;
  dev.rdev = makedev(1, 3);
  const auto st = applier.apply(dev);
  if (!st.ok() && st.error().message.find("Operation not permitted") != std::string::npos) {
    WARN("mknod of devices needs CAP_MKNOD: not tested here");
    return;
  }
  require_ok(st);
  CHECK(S_ISCHR(lstat_of(tree / "null").st_mode));
  CHECK(lstat_of(tree / "null").st_rdev == makedev(1, 3));
}

TEST_CASE("finding 7: by default a device from the primary becomes an empty file with no permissions",
          "[applier]") {
  TempTree tree;
  std::vector<std::string> withheld;
  ApplierOptions options;
  options.on_withheld = [&](const Change& c, const char* what) { withheld.push_back(c.path + ": " + what); };
  Applier applier(tree.fd(), options);
  auto disk = make(ChangeKind::mknod, "sda");
  disk.mode = S_IFBLK | 0666;
  disk.rdev = makedev(8, 0);
  require_ok(applier.apply(disk));
  const auto st = lstat_of(tree / "sda");
  CHECK(S_ISREG(st.st_mode));
  CHECK((st.st_mode & 07777) == 0);
  CHECK(st.st_size == 0);
  REQUIRE(withheld.size() == 1);
  CHECK(withheld[0] == "sda: a device node");
  // Later changes from the primary to that path still apply (to the stand-in).
  auto chmod = make(ChangeKind::chmod, "sda");
  chmod.mode = 0640;
  require_ok(applier.apply(chmod));
  CHECK((lstat_of(tree / "sda").st_mode & 07777) == 0640);
}

TEST_CASE("finding 7: by default set-uid and set-gid bits are cleared, except set-gid on folders", "[applier]") {
  TempTree tree;
  int withheld = 0;
  ApplierOptions options = resolved_by(any_resolution());
  options.on_withheld = [&](const Change&, const char*) { ++withheld; };
  Applier applier(tree.fd(), options);
  auto root_shell = mk_file("sh", 04755);
  root_shell.uid = 0;
  root_shell.gid = 0;
  require_ok(applier.apply(root_shell));
  CHECK((lstat_of(tree / "sh").st_mode & 07777) == 0755);
  require_ok(applier.apply(mk_dir("shared", 02775)));
  CHECK((lstat_of(tree / "shared").st_mode & 07777) == 02775);
  auto chmod = make(ChangeKind::chmod, "sh");
  chmod.mode = 06711;
  require_ok(applier.apply(chmod));
  CHECK((lstat_of(tree / "sh").st_mode & 07777) == 0711);
  auto node = make(ChangeKind::mknod, "reg");
  node.mode = S_IFREG | 02644;
  require_ok(applier.apply(node));
  CHECK((lstat_of(tree / "reg").st_mode & 07777) == 0644);
  CHECK(withheld == 3);
  SECTION("<rfs setid=\"on\"> keeps them") {
    ApplierOptions keep;
    keep.keep_setid = true;
    Applier keeping(tree.fd(), keep);
    auto again = make(ChangeKind::chmod, "sh");
    again.mode = 04755;
    require_ok(keeping.apply(again));
    CHECK((lstat_of(tree / "sh").st_mode & 07777) == 04755);
  }
}

TEST_CASE("finding 20: a create over a file with other names replaces it, never empties the file they share",
          "[applier]") {
  TempTree tree;
  // A hard link planted in the secondary's folder to a file elsewhere (the fuzz target found it).
  const auto outside = tree.path().parent_path() / (tree.path().filename().string() + "-outside");
  { std::ofstream(outside) << "precious"; }
  fs::permissions(outside, fs::perms(0600));
  REQUIRE(::link(outside.c_str(), (tree.path() / "h").c_str()) == 0);
  Applier applier(tree.fd(), resolved_by(any_resolution()));
  require_ok(applier.apply(mk_file("h", 0644)));
  CHECK(fs::file_size(outside) == 8);
  CHECK((lstat_of(outside).st_mode & 07777) == 0600);
  CHECK(lstat_of(outside).st_nlink == 1);
  CHECK(lstat_of(tree.path() / "h").st_nlink == 1);
  CHECK(fs::file_size(tree.path() / "h") == 0);
  fs::remove(outside);
}

TEST_CASE("unlink, rmdir, link and symlink change the tree as on the primary", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd(), resolved_by(any_resolution()));
  require_ok(applier.apply(mk_dir("d")));
  require_ok(applier.apply(mk_file("d/f")));
  require_ok(applier.apply(make(ChangeKind::link, "d/f", "g")));
  CHECK(lstat_of(tree / "d/f").st_ino == lstat_of(tree / "g").st_ino);
  // The target is data stored as it is, even one that points outside.
  require_ok(applier.apply(make(ChangeKind::symlink, "s", "../../etc/passwd")));
  CHECK(fs::read_symlink(tree / "s") == "../../etc/passwd");
  // A hard link to a symbolic link links the link itself.
  require_ok(applier.apply(make(ChangeKind::link, "s", "s2")));
  CHECK(fs::is_symlink(tree / "s2"));
  require_ok(applier.apply(make(ChangeKind::unlink, "d/f")));
  CHECK_FALSE(fs::exists(tree / "d/f"));
  require_ok(applier.apply(make(ChangeKind::rmdir, "d")));
  CHECK_FALSE(fs::exists(tree / "d"));
  const auto failed = applier.apply(make(ChangeKind::rmdir, "g"));
  CHECK_FALSE(failed.ok());
}

TEST_CASE("rename honours RENAME_NOREPLACE and RENAME_EXCHANGE", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd(), resolved_by(any_resolution()));
  tree.write("a", "A");
  tree.write("b", "B");
  auto noreplace = make(ChangeKind::rename, "a", "b");
  noreplace.flags = RENAME_NOREPLACE;
  const auto refused = applier.apply(noreplace);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("File exists") != std::string::npos);
  CHECK(tree.read("b") == "B");

  auto exchange = make(ChangeKind::rename, "a", "b");
  exchange.flags = RENAME_EXCHANGE;
  require_ok(applier.apply(exchange));
  CHECK(tree.read("a") == "B");
  CHECK(tree.read("b") == "A");

  require_ok(applier.apply(mk_dir("d")));
  require_ok(applier.apply(make(ChangeKind::rename, "a", "d/c")));
  CHECK(tree.read("d/c") == "B");
  CHECK_FALSE(fs::exists(tree / "a"));
}

TEST_CASE("chmod, chown, utimens and xattrs change the node itself", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd(), resolved_by(any_resolution()));
  require_ok(applier.apply(mk_file("f")));
  auto chmod = make(ChangeKind::chmod, "f");
  chmod.mode = 01711;  // sticky passes; set-uid is cleared by default (finding 7, tested above)
  require_ok(applier.apply(chmod));
  CHECK((lstat_of(tree / "f").st_mode & 07777) == 01711);

  auto chown = make(ChangeKind::chown, "f");
  chown.uid = 42;
  require_ok(applier.apply(chown));
  CHECK(lstat_of(tree / "f").st_uid == 42);
  CHECK(lstat_of(tree / "f").st_gid == 0);

  auto times = make(ChangeKind::utimens, "f");
  times.atime_ns = 2'000'000'000'000'000'002;
  times.mtime_ns = kTimeOmit;
  const auto before = lstat_of(tree / "f").st_mtim;
  require_ok(applier.apply(times));
  CHECK(lstat_of(tree / "f").st_atim.tv_nsec == 2);
  CHECK(lstat_of(tree / "f").st_mtim.tv_nsec == before.tv_nsec);

  auto set = make(ChangeKind::setxattr, "f");
  set.name = "user.haven";
  set.data = std::string("v\0alue", 6);
  require_ok(applier.apply(set));
  char value[16];
  CHECK(::getxattr((tree / "f").c_str(), "user.haven", value, sizeof value) == 6);
  set.flags = XATTR_CREATE;
  CHECK_FALSE(applier.apply(set).ok());
  auto remove = make(ChangeKind::removexattr, "f");
  remove.name = "user.haven";
  require_ok(applier.apply(remove));
  CHECK(::getxattr((tree / "f").c_str(), "user.haven", value, sizeof value) < 0);
}

TEST_CASE("fsync and fdatasync reach files and folders", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd());
  require_ok(applier.apply(mk_dir("d")));
  require_ok(applier.apply(mk_file("d/f")));
  auto sync_file = make(ChangeKind::fsync, "d/f");
  require_ok(applier.apply(sync_file));
  sync_file.flags = kFsyncDataOnly;
  require_ok(applier.apply(sync_file));
  require_ok(applier.apply(make(ChangeKind::fsync, "d")));
}

TEST_CASE("names with any bytes are applied as they are", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd(), resolved_by(any_resolution()));
  const std::string name = std::string("new\nline \xff\x01 \\x") + "\xc3\xa9";
  require_ok(applier.apply(mk_dir(name)));
  require_ok(applier.apply(mk_file(name + "/" + name)));
  require_ok(applier.apply(mk_write(name + "/" + name, 0, "ok")));
  CHECK(tree.read(name + "/" + name) == "ok");
}

TEST_CASE("a symbolic link in a parent that points out of the directory is never followed", "[applier][escape]") {
  TempTree tree;
  TempTree outside;
  outside.write("victim", "untouched");
  fs::create_directory_symlink(outside.path(), tree / "out");
  fs::create_directory(tree / "d");
  fs::create_directory_symlink(outside.path(), tree / "d/deeper");
  Applier applier(tree.fd(), resolved_by(any_resolution()));

  for (const std::string path : {"out/victim", "d/deeper/victim"}) {
    const auto w = applier.apply(mk_write(path, 0, "EVIL"));
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().code == haven::Errc::refused);
    CHECK_FALSE(applier.apply(mk_file(path.substr(0, path.rfind('/')) + "/new")).ok());
    CHECK_FALSE(applier.apply(make(ChangeKind::unlink, path)).ok());
    auto chmod = make(ChangeKind::chmod, path);
    chmod.mode = 0777;
    CHECK_FALSE(applier.apply(chmod).ok());
    CHECK_FALSE(applier.apply(make(ChangeKind::rename, "d", path.substr(0, path.rfind('/')) + "/moved")).ok());
  }
  CHECK(outside.read("victim") == "untouched");
  CHECK_FALSE(fs::exists(outside / "new"));
  CHECK_FALSE(fs::exists(outside / "moved"));
  CHECK(fs::is_directory(tree / "d"));
}

TEST_CASE("a symbolic link as the last component is replaced or refused, never followed", "[applier][escape]") {
  TempTree tree;
  TempTree outside;
  outside.write("victim", "untouched");
  ::chmod((outside / "victim").c_str(), 0600);
  fs::create_symlink(outside / "victim", tree / "link");
  Applier applier(tree.fd(), resolved_by(any_resolution()));

  CHECK(applier.apply(mk_write("link", 0, "EVIL")).error().code == haven::Errc::invalid_argument);
  auto truncate = make(ChangeKind::truncate, "link");
  CHECK_FALSE(applier.apply(truncate).ok());
  auto chmod = make(ChangeKind::chmod, "link");
  chmod.mode = 0777;
  require_ok(applier.apply(chmod));  // skipped: no mode on links
  auto chown = make(ChangeKind::chown, "link");
  chown.uid = 4321;
  require_ok(applier.apply(chown));
  CHECK(lstat_of(tree / "link").st_uid == 4321);
  auto times = make(ChangeKind::utimens, "link");
  times.atime_ns = times.mtime_ns = 1'000'000'000;
  require_ok(applier.apply(times));
  CHECK(lstat_of(tree / "link").st_mtim.tv_sec == 1);
  auto set = make(ChangeKind::setxattr, "link");
  set.name = "user.evil";
  set.data = "x";
  (void)applier.apply(set);  // user.* is not allowed on links; either way not on the target
  char value[8];
  CHECK(::getxattr((outside / "victim").c_str(), "user.evil", value, sizeof value) < 0);

  const auto victim = lstat_of(outside / "victim");
  CHECK((victim.st_mode & 07777) == 0600);
  CHECK(victim.st_uid == 0);
  CHECK(victim.st_mtim.tv_sec != 1);
  CHECK(outside.read("victim") == "untouched");

  // The primary created a file there: the link is replaced by it.
  require_ok(applier.apply(mk_file("link", 0640)));
  require_ok(applier.apply(mk_write("link", 0, "new")));
  CHECK(fs::is_regular_file(fs::symlink_status(tree / "link")));
  CHECK(tree.read("link") == "new");
  CHECK(outside.read("victim") == "untouched");
}

TEST_CASE("paths that leave the directory are refused before any system call", "[applier][escape]") {
  TempTree tree;
  Applier applier(tree.fd());
  for (const std::string path : {"../x", "a/../../x", "/etc/passwd", "", "a//b", "./a"}) {
    const auto st = applier.apply(mk_file(path));
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == haven::Errc::invalid_argument);
  }
  tree.write("a", "A");
  CHECK_FALSE(applier.apply(make(ChangeKind::rename, "a", "../a")).ok());
  CHECK_FALSE(applier.apply(make(ChangeKind::link, "a", "/tmp/a")).ok());
  CHECK(tree.read("a") == "A");
}

TEST_CASE("an error names the change's kind, sequence, path and the system's error", "[applier]") {
  TempTree tree;
  Applier applier(tree.fd());
  auto w = mk_write("missing/fi\nle", 0, "x");
  w.sequence = 4242;
  const auto st = applier.apply(w);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == haven::Errc::io_error);
  CHECK(st.error().message.find("write #4242 of 'missing/fi\\x0ale'") != std::string::npos);
  CHECK(st.error().message.find("No such file or directory") != std::string::npos);
  CHECK(st.error().message.find("errno 2") != std::string::npos);
}

TEST_CASE("files kept open between writes never receive a write meant for another file", "[applier]") {
  TempTree tree;
  ApplierOptions options;
  options.max_open_files = 2;
  Applier applier(tree.fd(), options);
  require_ok(applier.apply(mk_file("a")));
  require_ok(applier.apply(mk_write("a", 0, "first")));
  require_ok(applier.apply(make(ChangeKind::rename, "a", "b")));
  require_ok(applier.apply(mk_file("a")));
  require_ok(applier.apply(mk_write("a", 0, "second")));
  CHECK(tree.read("a") == "second");
  CHECK(tree.read("b") == "first");
  for (int i = 0; i < 5; ++i) {
    require_ok(applier.apply(mk_file("f" + std::to_string(i))));
    require_ok(applier.apply(mk_write("f" + std::to_string(i), 0, std::to_string(i))));
  }
  for (int i = 0; i < 5; ++i) require_ok(applier.apply(mk_write("f" + std::to_string(i), 1, "!")));
  for (int i = 0; i < 5; ++i) CHECK(tree.read("f" + std::to_string(i)) == std::to_string(i) + "!");
  require_ok(applier.apply(make(ChangeKind::unlink, "a")));
  require_ok(applier.apply(mk_file("a")));
  require_ok(applier.apply(mk_write("a", 0, "third")));
  CHECK(tree.read("a") == "third");
}
