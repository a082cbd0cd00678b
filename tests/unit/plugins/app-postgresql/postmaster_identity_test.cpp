// Which process a PostgreSQL stop may signal: decided from the host's process facts (/proc),
// never from postmaster.pid. Stand-in processes (a copy of sleep named postgres, a plain
// sleep) play the postmaster; the host is the core's, reading this node's /proc.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "plugin_host/basic_host_context.hpp"
#include "postgresql_app.hpp"
#include "postmaster_identity.hpp"
#include "postmaster_pid.hpp"

namespace fs = std::filesystem;
using namespace haven;
using namespace haven::postgresql;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hvpgid.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A process running `program` with `argv` in `cwd`; killed and reaped at the end.
struct StandIn {
  pid_t pid = -1;
  StandIn(const fs::path& program, std::vector<std::string> argv, const fs::path& cwd) {
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      ::execv(program.c_str(), c.data());
      ::_exit(127);
    }
    // Until exec has happened, /proc shows the test binary.
    for (int i = 0; i < 200; ++i) {
      std::error_code ec;
      if (fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).filename() == program.filename()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool alive() const {
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == 0;
  }
  ~StandIn() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
};

fs::path sleep_program() { return fs::exists("/usr/bin/sleep") ? "/usr/bin/sleep" : "/bin/sleep"; }

// A copy of sleep named postgres: what /proc shows of a real postmaster, less its work.
fs::path fake_postgres(const fs::path& dir) {
  const auto bin = dir / "bin";
  fs::create_directories(bin);
  fs::copy_file(sleep_program(), bin / "postgres");
  fs::permissions(bin / "postgres", fs::perms::owner_all);
  return bin / "postgres";
}

}  // namespace

TEST_CASE("postmaster.pid: the pid and data directory are read, a torn file is refused", "[postgresql][pid]") {
  auto ok = parse_postmaster_pid("4242\n/srv/pg/main\n1700000000\n5433\n/var/run/postgresql\n*\n", "x");
  REQUIRE(ok);
  CHECK(ok->pid == 4242);
  CHECK(ok->data_directory == "/srv/pg/main");
  CHECK(ok->port == 5433);
  auto torn = parse_postmaster_pid("42", "/srv/pg/main/postmaster.pid");
  REQUIRE_FALSE(torn);
  CHECK(torn.error().message.find("/srv/pg/main/postmaster.pid") != std::string::npos);
  CHECK_FALSE(parse_postmaster_pid("", "x"));
  CHECK_FALSE(parse_postmaster_pid("-1\n/d\n", "x"));
  CHECK_FALSE(parse_postmaster_pid("12ab\n/d\n", "x"));
}

TEST_CASE("a stand-in named postgres working in the data directory is taken for its postmaster",
          "[postgresql][identity]") {
  BasicHostContext host;
  TempDir dir;
  const auto data = dir.path / "data";
  fs::create_directories(data);
  StandIn postmaster(fake_postgres(dir.path), {"postgres", "30"}, data);
  CHECK(verify_postmaster(host, postmaster.pid, data));
  const auto found = processes_in_data_directory(host, data);
  CHECK(std::find(found.begin(), found.end(), postmaster.pid) != found.end());
}

TEST_CASE("an unrelated process named by postmaster.pid is not a postmaster", "[postgresql][identity]") {
  BasicHostContext host;
  TempDir dir;
  const auto data = dir.path / "data";
  const auto elsewhere = dir.path / "elsewhere";
  fs::create_directories(data);
  fs::create_directories(elsewhere);

  SECTION("a sleep, even working in the data directory: its program is not postgres") {
    StandIn sleeper(sleep_program(), {"sleep", "30"}, data);
    auto verdict = verify_postmaster(host, sleeper.pid, data);
    REQUIRE_FALSE(verdict);
    CHECK(verdict.error().code == Errc::refused);
    CHECK(verdict.error().message.find("not a PostgreSQL server") != std::string::npos);
    CHECK(processes_in_data_directory(host, data).empty());
  }
  SECTION("a postgres of another data directory") {
    StandIn other(fake_postgres(dir.path), {"postgres", "30"}, elsewhere);
    auto verdict = verify_postmaster(host, other.pid, data);
    REQUIRE_FALSE(verdict);
    CHECK(verdict.error().message.find("another data directory") != std::string::npos);
  }
  SECTION("a server process of this data directory is not its postmaster") {
    StandIn backend(fake_postgres(dir.path), {"postgres: checkpointer", "30"}, data);
    auto verdict = verify_postmaster(host, backend.pid, data);
    REQUIRE_FALSE(verdict);
    CHECK(verdict.error().message.find("not its postmaster") != std::string::npos);
  }
  SECTION("a pid no process has") {
    pid_t gone = 0;
    {
      StandIn brief(sleep_program(), {"sleep", "30"}, data);
      gone = brief.pid;
    }
    auto verdict = verify_postmaster(host, gone, data);
    REQUIRE_FALSE(verdict);
    CHECK(verdict.error().code == Errc::not_found);
  }
}

TEST_CASE("judge_postmaster decides from the facts alone", "[postgresql][identity]") {
  const FileId data{1, 100};
  ProcessFacts facts;
  facts.pid = 7;
  facts.exe = "/usr/lib/postgresql/15/bin/postgres (deleted)";
  facts.argv = {"/usr/lib/postgresql/15/bin/postgres", "-D", "/etc/postgresql/15/main"};
  facts.cwd_id = FileId{1, 100};
  CHECK(judge_postmaster(facts, data, "/d"));
  facts.cwd_id = FileId{2, 100};
  CHECK_FALSE(judge_postmaster(facts, data, "/d"));
  facts.cwd_id.reset();
  CHECK_FALSE(judge_postmaster(facts, data, "/d"));
  facts.cwd_id = FileId{1, 100};
  facts.exe = "/usr/bin/postgresql-helper";
  CHECK_FALSE(judge_postmaster(facts, data, "/d"));
}

TEST_CASE("stop force with a postmaster.pid naming an unrelated process signals nothing and runs no pg_ctl",
          "[postgresql][stop]") {
  TempDir dir;
  const auto data = dir.path / "data";
  const auto bin = dir.path / "pgbin";
  fs::create_directories(data);
  fs::create_directories(bin);
  const auto marker = dir.path / "pg_ctl-ran";
  std::ofstream(bin / "pg_ctl") << "#!/bin/sh\ntouch '" << marker.string() << "'\n";
  fs::permissions(bin / "pg_ctl", fs::perms::owner_all);
  StandIn victim(sleep_program(), {"sleep", "30"}, dir.path);
  std::ofstream(data / "postmaster.pid") << victim.pid << "\n" << data.string() << "\n1700000000\n5432\n";

  BasicHostContext host;
  PostgresApplication app(host);
  std::vector<std::string> said;
  AppContext context;
  context.settings = {{"data", data.string()}, {"bin", bin.string()}, {"user", "root"}};
  context.log = [&](LogLevel, std::string_view line) { said.emplace_back(line); };

  REQUIRE(app.stop(context, StopMode::forced));
  REQUIRE(app.stop(context, StopMode::graceful));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(victim.alive());
  CHECK_FALSE(fs::exists(marker));
  bool explained = false;
  for (const auto& line : said)
    explained = explained || (line.find("nothing signalled") != std::string::npos &&
                              line.find("not a PostgreSQL server") != std::string::npos);
  CHECK(explained);
}
