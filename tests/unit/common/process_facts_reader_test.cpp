// The host's process facts: read from a fake /proc tree built by the test (links, cmdline,
// status, stat, a process's own root) and from the real /proc for the test's own process.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/process_facts_reader.hpp"

namespace fs = std::filesystem;
using namespace haven;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hvfacts.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// One process of the fake /proc: <proc>/<pid>/{exe,cwd,root,cmdline,status,stat}.
void fake_process(const fs::path& proc, pid_t pid, const std::string& exe, const fs::path& cwd, const fs::path& root,
                  const std::string& cmdline, const std::string& uid_line, char state) {
  const auto dir = proc / std::to_string(pid);
  fs::create_directories(dir);
  fs::create_symlink(exe, dir / "exe");
  fs::create_directory_symlink(cwd, dir / "cwd");
  fs::create_directory_symlink(root, dir / "root");
  std::ofstream(dir / "cmdline", std::ios::binary) << cmdline;
  std::ofstream(dir / "status") << "Name:\tfake\nState:\t" << state << "\n" << uid_line << "Gid:\t0\t0\t0\t0\n";
  std::ofstream(dir / "stat") << pid << " (odd (name) x) " << state << " 1 1 1 0 -1\n";
}

}  // namespace

TEST_CASE("a fake /proc: each fact of a process is read from its own file", "[process_facts]") {
  TempDir tmp;
  const auto proc = tmp.path / "proc";
  const auto data = tmp.path / "data";
  const auto rootfs = tmp.path / "rootfs";
  fs::create_directories(data);
  fs::create_directories(rootfs / "srv" / "db");
  fake_process(proc, 42, "/usr/sbin/mariadbd", data, rootfs, std::string("mariadbd\0--datadir=/srv/db\0", 27),
               "Uid:\t105\t0\t105\t105\n", 'S');

  auto facts = read_process_facts(42, proc);
  REQUIRE(facts);
  CHECK(facts->pid == 42);
  CHECK(facts->exe == "/usr/sbin/mariadbd");
  CHECK(facts->argv == std::vector<std::string>{"mariadbd", "--datadir=/srv/db"});
  CHECK(facts->cwd == data.string());
  REQUIRE(facts->cwd_id);
  CHECK(*facts->cwd_id == file_id(data).value());
  REQUIRE(facts->uid);
  CHECK(*facts->uid == 105);  // the real uid, not the effective one
  CHECK_FALSE(facts->zombie);
}

TEST_CASE("a fake /proc: a zombie, unreadable facts and a missing pid", "[process_facts]") {
  TempDir tmp;
  const auto proc = tmp.path / "proc";
  fs::create_directories(tmp.path / "gone");
  fake_process(proc, 7, "/usr/bin/sleep", tmp.path / "gone", tmp.path, "", "", 'Z');
  fs::remove(tmp.path / "gone");  // the cwd link now leads nowhere

  auto zombie = read_process_facts(7, proc);
  REQUIRE(zombie);
  CHECK(zombie->zombie);
  CHECK(zombie->argv.empty());
  CHECK_FALSE(zombie->uid);
  CHECK_FALSE(zombie->cwd_id);  // unreadable: left unset, never a made-up identity

  auto missing = read_process_facts(99, proc);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message.find("process 99") != std::string::npos);
  CHECK(read_process_facts(0, proc).error().code == Errc::not_found);
}

TEST_CASE("a fake /proc: processes are found by program name, also once their binary was replaced",
          "[process_facts]") {
  TempDir tmp;
  const auto proc = tmp.path / "proc";
  fake_process(proc, 300, "/usr/sbin/mariadbd (deleted)", tmp.path, tmp.path, "mariadbd", "", 'S');
  fake_process(proc, 20, "/usr/sbin/mysqld", tmp.path, tmp.path, "mysqld", "", 'S');
  fake_process(proc, 21, "/usr/bin/mariadbd-safe", tmp.path, tmp.path, "mariadbd-safe", "", 'S');
  fake_process(proc, 22, "/usr/lib/postgresql/15/bin/postgres", tmp.path, tmp.path, "postgres", "", 'S');
  fs::create_directories(proc / "self");  // not a pid: skipped
  fs::create_directories(proc / "sys");

  auto found = read_processes_running({"mariadbd", "mysqld"}, proc);
  REQUIRE(found);
  std::vector<pid_t> pids;
  for (const auto& f : *found) pids.push_back(f.pid);
  CHECK(pids == std::vector<pid_t>{20, 300});  // in pid order; mariadbd-safe and postgres are not asked for
  CHECK(found->back().exe == "/usr/sbin/mariadbd (deleted)");

  auto none = read_processes_running({"firebird"}, proc);
  REQUIRE(none);
  CHECK(none->empty());
  auto unlisted = read_processes_running({"mariadbd"}, tmp.path / "no-proc");
  REQUIRE_FALSE(unlisted);
  CHECK(unlisted.error().code == Errc::io_error);
  CHECK(unlisted.error().message.find("no-proc") != std::string::npos);
}

TEST_CASE("a fake /proc: a path is seen through the process's root, a relative one from its cwd",
          "[process_facts]") {
  TempDir tmp;
  const auto proc = tmp.path / "proc";
  const auto rootfs = tmp.path / "rootfs";
  const auto cwd = tmp.path / "work";
  fs::create_directories(rootfs / "srv" / "db");
  fs::create_directories(cwd / "rel");
  fs::create_directories(tmp.path / "srv" / "db");  // the same path outside its root: another folder
  fake_process(proc, 42, "/usr/sbin/mariadbd", cwd, rootfs, "mariadbd", "", 'S');

  auto absolute = read_process_file_id(42, "/srv/db", proc);
  REQUIRE(absolute);
  CHECK(*absolute == file_id(rootfs / "srv" / "db").value());
  CHECK_FALSE(*absolute == file_id(tmp.path / "srv" / "db").value());
  auto relative = read_process_file_id(42, "rel", proc);
  REQUIRE(relative);
  CHECK(*relative == file_id(cwd / "rel").value());

  auto absent = read_process_file_id(42, "/srv/nothing", proc);
  REQUIRE_FALSE(absent);
  CHECK(absent.error().code == Errc::io_error);
  CHECK(absent.error().message.find("/srv/nothing") != std::string::npos);
  CHECK(absent.error().message.find("process 42") != std::string::npos);
  CHECK(read_process_file_id(43, "/srv/db", proc).error().code == Errc::not_found);
}

TEST_CASE("the real /proc: the test's own process", "[process_facts]") {
  const pid_t self = ::getpid();
  auto facts = read_process_facts(self);
  REQUIRE(facts);
  CHECK(facts->pid == self);
  CHECK(facts->exe == fs::read_symlink("/proc/self/exe").string());
  REQUIRE_FALSE(facts->argv.empty());
  CHECK(program_name(facts->argv[0]) == program_name(facts->exe));
  CHECK(facts->cwd == fs::current_path().string());
  REQUIRE(facts->cwd_id);
  CHECK(*facts->cwd_id == file_id(fs::current_path()).value());
  REQUIRE(facts->uid);
  CHECK(*facts->uid == ::getuid());
  CHECK_FALSE(facts->zombie);

  auto mine = read_processes_running({program_name(facts->exe)});
  REQUIRE(mine);
  CHECK(std::any_of(mine->begin(), mine->end(), [&](const ProcessFacts& f) { return f.pid == self; }));
  auto here = read_process_file_id(self, fs::current_path());
  REQUIRE(here);
  CHECK(*here == file_id(fs::current_path()).value());
}

TEST_CASE("program_name: the file name, without the kernel's \" (deleted)\"", "[process_facts]") {
  CHECK(program_name("/usr/sbin/mariadbd") == "mariadbd");
  CHECK(program_name("/usr/sbin/mariadbd (deleted)") == "mariadbd");
  CHECK(program_name("postgres") == "postgres");
  CHECK(program_name("") == "");
  CHECK(program_name(" (deleted)") == " (deleted)");  // nothing before it: left as it is
}
