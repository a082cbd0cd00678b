// <notreplicated> through the mount: local-only paths send nothing, and a rename across the
// boundary keeps the secondary's tree equal to the replicated part of ours.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "mounted_dir.hpp"

using haven::config::NotReplicated;
using haven::replication::Change;
using haven::replication::ChangeKind;
using haven::replication_fs::ReplicationFilter;
using haven::replication_fs::testing::MountedDir;

namespace {

ReplicationFilter scratch_and_tmp() {
  auto filter = ReplicationFilter::from_config({{"scratch", ""}, {"", "\\.tmp$"}}, "test");
  REQUIRE(filter.ok());
  return std::move(filter).value();
}

void put(const std::string& path, const std::string& content) {
  int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fd);
}

std::vector<std::pair<ChangeKind, std::string>> summary(const std::vector<Change>& changes) {
  std::vector<std::pair<ChangeKind, std::string>> out;
  for (const auto& c : changes) out.emplace_back(c.kind, c.path);
  return out;
}

using Summary = std::vector<std::pair<ChangeKind, std::string>>;

}  // namespace

TEST_CASE("changes to notreplicated paths are made locally and not sent", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m(scratch_and_tmp());
  REQUIRE(mkdir(m.path("scratch").c_str(), 0755) == 0);
  put(m.path("scratch/x"), "local");
  put(m.path("a.tmp"), "local too");
  REQUIRE(unlink(m.path("scratch/x").c_str()) == 0);
  CHECK(m.lower_content("a.tmp") == "local too");
  CHECK(m.sink().take().empty());
  put(m.path("kept"), "sent");
  CHECK(summary(m.sink().take()) == Summary{{ChangeKind::create, "kept"}, {ChangeKind::write, "kept"}});
}

TEST_CASE("a file renamed into the replicated part is sent whole, and removed when it leaves", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m(scratch_and_tmp());
  put(m.path("a.tmp"), "content");
  REQUIRE(chmod(m.path("a.tmp").c_str(), 0640) == 0);
  REQUIRE(m.sink().take().empty());

  REQUIRE(rename(m.path("a.tmp").c_str(), m.path("a.dat").c_str()) == 0);
  auto changes = m.sink().take();
  REQUIRE(summary(changes) == Summary{{ChangeKind::create, "a.dat"},
                                      {ChangeKind::write, "a.dat"},
                                      {ChangeKind::truncate, "a.dat"},
                                      {ChangeKind::utimens, "a.dat"}});
  CHECK(changes[0].mode == 0640);
  CHECK(changes[1].data == "content");
  CHECK(changes[2].length == 7);

  REQUIRE(rename(m.path("a.dat").c_str(), m.path("b.tmp").c_str()) == 0);
  CHECK(summary(m.sink().take()) == Summary{{ChangeKind::unlink, "a.dat"}});
}

TEST_CASE("a folder renamed out of and back into the replicated part is removed and resent", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m(scratch_and_tmp());
  REQUIRE(mkdir(m.path("scratch").c_str(), 0755) == 0);
  REQUIRE(mkdir(m.path("d").c_str(), 0755) == 0);
  put(m.path("d/f"), "F");
  put(m.path("d/skip.tmp"), "local");
  m.sink().take();

  REQUIRE(rename(m.path("d").c_str(), m.path("scratch/d").c_str()) == 0);
  auto removal = summary(m.sink().take());
  REQUIRE(removal.size() == 2);
  CHECK(removal[0] == std::make_pair(ChangeKind::unlink, std::string("d/f")));
  CHECK(removal[1] == std::make_pair(ChangeKind::rmdir, std::string("d")));

  REQUIRE(rename(m.path("scratch/d").c_str(), m.path("e").c_str()) == 0);
  auto resent = summary(m.sink().take());
  CHECK(resent.front() == std::make_pair(ChangeKind::mkdir, std::string("e")));
  CHECK(std::count(resent.begin(), resent.end(), std::make_pair(ChangeKind::write, std::string("e/f"))) == 1);
  for (const auto& [kind, path] : resent) CHECK(path.find("skip.tmp") == std::string::npos);
  CHECK(resent.back() == std::make_pair(ChangeKind::utimens, std::string("e")));
}

TEST_CASE("a hard link from a notreplicated file sends the file itself", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m(scratch_and_tmp());
  put(m.path("x.tmp"), "linked");
  REQUIRE(link(m.path("x.tmp").c_str(), m.path("x.dat").c_str()) == 0);
  auto changes = m.sink().take();
  REQUIRE_FALSE(changes.empty());
  CHECK(changes[0].kind == ChangeKind::create);
  CHECK(changes[0].path == "x.dat");
  CHECK(changes[1].data == "linked");
}

TEST_CASE("RENAME_EXCHANGE across the boundary removes the old file there and sends the new one", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  MountedDir m(scratch_and_tmp());
  REQUIRE(mkdir(m.path("scratch").c_str(), 0755) == 0);
  m.put_below("a", "replicated");
  m.put_below("scratch/b", "local");
  m.sink().take();
  REQUIRE(renameat2(AT_FDCWD, m.path("a").c_str(), AT_FDCWD, m.path("scratch/b").c_str(), RENAME_EXCHANGE) == 0);
  CHECK(m.lower_content("a") == "local");
  auto changes = m.sink().take();
  CHECK(summary(changes) == Summary{{ChangeKind::unlink, "a"},
                                    {ChangeKind::create, "a"},
                                    {ChangeKind::write, "a"},
                                    {ChangeKind::truncate, "a"},
                                    {ChangeKind::utimens, "a"}});
  REQUIRE(changes.size() == 5);
  CHECK(changes[2].data == "local");
}

TEST_CASE("with !regexpath only matching files are sent, and every folder", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  auto filter = ReplicationFilter::from_config({{"", "!\\.dbf$"}}, "test");
  REQUIRE(filter.ok());
  MountedDir m(std::move(filter).value());
  REQUIRE(mkdir(m.path("data").c_str(), 0755) == 0);
  put(m.path("data/base.dbf"), "db");
  put(m.path("data/notes.txt"), "not sent");
  CHECK(summary(m.sink().take()) == Summary{{ChangeKind::mkdir, "data"},
                                            {ChangeKind::create, "data/base.dbf"},
                                            {ChangeKind::write, "data/base.dbf"}});
}
