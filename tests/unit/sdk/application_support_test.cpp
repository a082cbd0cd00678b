// haven/application_support.hpp: the guard, log tails, typed settings, the user's data folder
// and waits on processes, as an application plugin uses them (no core: a fake host).
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include "haven/application_support.hpp"

namespace fs = std::filesystem;
using namespace haven;
using namespace std::chrono_literals;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hvsupport.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A host whose log and process facts the test sets, on a clock that moves one second at
// each reading, so waits end after a few polls.
class FakeHost final : public HostContext {
 public:
  void log(LogLevel level, std::string_view message) noexcept override { lines.emplace_back(level, message); }
  const ConfigNode* config() const noexcept override { return nullptr; }
  const std::map<std::string, std::string>& environment() const noexcept override { return env_; }
  std::chrono::steady_clock::time_point now() const noexcept override { return clock_; }
  void sleep_for(std::chrono::milliseconds duration) noexcept override {
    clock_ += duration;
    ++sleeps;
  }
  Result<ProcessFacts> process_facts(pid_t pid) override {
    auto it = processes.find(pid);
    if (it == processes.end()) return fail(Errc::not_found, "process " + std::to_string(pid) + " does not exist");
    return it->second;
  }

  std::vector<std::pair<LogLevel, std::string>> lines;
  std::map<pid_t, ProcessFacts> processes;
  int sleeps = 0;

 private:
  std::map<std::string, std::string> env_;
  std::chrono::steady_clock::time_point clock_{};
};

// The same without process facts, as a host of ABI 2.0 would be.
class OldHost final : public HostContext {
 public:
  void log(LogLevel, std::string_view) noexcept override {}
  const ConfigNode* config() const noexcept override { return nullptr; }
  const std::map<std::string, std::string>& environment() const noexcept override { return env_; }

 private:
  std::map<std::string, std::string> env_;
};

AppContext with(std::map<std::string, std::string> settings, std::vector<std::string>* said = nullptr) {
  AppContext app;
  app.settings = std::move(settings);
  if (said != nullptr) app.log = [said](LogLevel, std::string_view line) { said->emplace_back(line); };
  return app;
}

}  // namespace

TEST_CASE("guarded: an escaping exception becomes an internal error naming the application and step",
          "[sdk][application_support]") {
  FakeHost host;
  CHECK(guarded(host, "MariaDB", "start", [] { return ok_status(); }));
  auto refused = guarded(host, "MariaDB", "start", [] { return Status(fail(Errc::refused, "busy")); });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "busy");  // a plain error passes through, unlogged
  CHECK(host.lines.empty());

  auto thrown = guarded(host, "MariaDB", "start", []() -> Status { throw std::runtime_error("boom"); });
  REQUIRE_FALSE(thrown);
  CHECK(thrown.error().code == Errc::internal);
  CHECK(thrown.error().message == "MariaDB start failed: boom");
  auto odd = guarded(host, "PostgreSQL", "stop", []() -> Status { throw 7; });
  CHECK(odd.error().message == "PostgreSQL stop failed: unknown exception");
  REQUIRE(host.lines.size() == 2);
  CHECK(host.lines[0].first == LogLevel::error);
  CHECK(host.lines[0].second == "MariaDB start failed: boom");
}

TEST_CASE("tail_of and trimmed: what an error message quotes", "[sdk][application_support]") {
  TempDir dir;
  {
    std::ofstream log(dir.path / "server.log");
    for (int i = 1; i <= 20; ++i) log << "line " << i << "\n";
  }
  CHECK(tail_of(dir.path / "server.log", 3) == "\n  line 18\n  line 19\n  line 20");
  CHECK(tail_of(dir.path / "server.log", 50).find("\n  line 1\n") == 0);
  CHECK(tail_of(dir.path / "missing.log", 3).empty());
  CHECK(trimmed("pg_ctl: server does not shut down \n\n") == "pg_ctl: server does not shut down");
  CHECK(trimmed(" \n").empty());
  CHECK(trimmed("  kept in front") == "  kept in front");
}

TEST_CASE("AppSettingsReader: fallbacks, ranges, durations and paths, each error naming the setting",
          "[sdk][application_support]") {
  const auto app = with({{"port", "70000"},
                         {"user", "mysql"},
                         {"stop_timeout", "30"},
                         {"check_timeout", "0"},
                         {"socket", "x.sock"},
                         {"data", "/srv/db/"},
                         {"messy", "/srv/./db//"},
                         {"relative", "db"},
                         {"empty", ""}});
  const AppSettingsReader read(app, "MariaDB");
  CHECK(read.application() == "MariaDB");
  CHECK(read.text("user", "x") == "mysql");
  CHECK(read.text("empty", "fallback") == "fallback");
  CHECK(read.text("absent").empty());

  auto port = read.integer("port", 3306, 1, 65535);
  REQUIRE_FALSE(port);
  CHECK(port.error().code == Errc::invalid_argument);
  CHECK(port.error().message == "MariaDB setting port=\"70000\" is not a whole number from 1 to 65535");
  CHECK(read.integer("absent", 3306, 1, 65535).value() == 3306);
  const auto junk = with({{"n", "12ab"}});
  CHECK_FALSE(AppSettingsReader(junk, "X").integer("n", 1, 0, 100));

  CHECK(read.seconds("stop_timeout", 60s, 1s, 86400s).value() == 30s);
  CHECK(read.seconds("start_timeout", 60s, 1s, 86400s).value() == 60s);
  auto zero = read.seconds("check_timeout", 5s, 1s, 3600s);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message.find("check_timeout=\"0\"") != std::string::npos);

  auto socket = read.absolute_path("socket", "/run/mysqld/a.sock");
  REQUIRE_FALSE(socket);
  CHECK(socket.error().message == "MariaDB setting socket=\"x.sock\" must be an absolute path");
  CHECK(read.absolute_path("pid_file", "/run/mysqld/a.pid").value() == "/run/mysqld/a.pid");
  CHECK(read.absolute_path("config").value().empty());  // optional: none given, none needed

  CHECK(read.required_folder("data", "the datadir").value() == "/srv/db");
  CHECK(read.required_folder("messy", "the datadir").value() == "/srv/db");
  auto relative = read.required_folder("relative", "the absolute path of the datadir");
  REQUIRE_FALSE(relative);
  CHECK(relative.error().message == "MariaDB setting relative=\"db\" must be the absolute path of the datadir");
  CHECK_FALSE(read.required_folder("absent", "the datadir"));

  CHECK(read.required_text("user", "the system user").value() == "mysql");
  auto missing = read.required_text("service", "the systemd unit to start");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "MariaDB setting service is missing: expected the systemd unit to start");
}

TEST_CASE("find_user_account: a known user's ids; an unknown one named with what was expected",
          "[sdk][application_support]") {
  auto root = find_user_account("root", "anyone");
  REQUIRE(root);
  CHECK(root->uid == 0);
  CHECK(root->name == "root");
  auto none = find_user_account("haven-no-such-user", "the user Firebird runs as");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::not_found);
  CHECK(none.error().message.find("'haven-no-such-user'") != std::string::npos);
  CHECK(none.error().message.find("expected the user Firebird runs as") != std::string::npos);
}

TEST_CASE("give_tree_to_user and make_user_log: a data folder and a log become the user's",
          "[sdk][application_support]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: giving files to another user needs root");
    return;
  }
  auto nobody = find_user_account("nobody", "nobody");
  REQUIRE(nobody);
  TempDir dir;
  const auto data = dir.path / "data";
  fs::create_directories(data / "base" / "1");
  std::ofstream(data / "base" / "1" / "table") << "rows";
  std::ofstream(data / "PG_VERSION") << "15\n";

  std::vector<std::string> said;
  const auto app = with({}, &said);
  auto given = give_tree_to_user(data, *nobody, app);
  REQUIRE(given);
  CHECK(*given);  // writable here
  for (const auto& p : {data, data / "base", data / "base" / "1", data / "base" / "1" / "table", data / "PG_VERSION"}) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    CHECK(st.st_uid == nobody->uid);
    CHECK(st.st_gid == nobody->gid);
  }
  REQUIRE(said.size() == 1);
  CHECK(said[0] == "prepare: gave 5 files of " + data.string() + " to nobody");
  said.clear();
  REQUIRE(give_tree_to_user(data, *nobody, app));
  CHECK(said.empty());  // nothing left to give: nothing said
  CHECK_FALSE(give_to_user(data / "gone-meanwhile", *nobody).value());

  const auto log = dir.path / "logs" / "server.log";
  REQUIRE(make_user_log(log, *nobody));
  struct stat st {};
  REQUIRE(::stat(log.c_str(), &st) == 0);
  CHECK(st.st_uid == nobody->uid);
  CHECK((st.st_mode & 0777) == 0640);
  fs::create_symlink("/etc/passwd", dir.path / "logs" / "linked.log");
  auto linked = make_user_log(dir.path / "logs" / "linked.log", *nobody);
  REQUIRE_FALSE(linked);
  CHECK(linked.error().message.find("linked.log") != std::string::npos);
}

TEST_CASE("process_alive and wait_until_gone: a zombie is gone, a live process outlasts the limit",
          "[sdk][application_support]") {
  FakeHost host;
  ProcessFacts live;
  live.pid = 100;
  ProcessFacts zombie;
  zombie.pid = 101;
  zombie.zombie = true;
  host.processes = {{100, live}, {101, zombie}};
  CHECK(process_alive(host, 100));
  CHECK_FALSE(process_alive(host, 101));
  CHECK_FALSE(process_alive(host, 102));
  CHECK(wait_until_gone(host, {101, 102}, 10s));
  CHECK(host.sleeps == 0);
  // Ten minutes of the host's clock, polled every 50 ms, pass at once in simulated time.
  const auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(wait_until_gone(host, {100, 101}, 10min));
  CHECK(host.sleeps == 10 * 60 * 20);
  CHECK(std::chrono::steady_clock::now() - started < 5s);

  // A host without process facts: the kernel's word, kill(pid, 0).
  OldHost old;
  CHECK(process_alive(old, ::getpid()));
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK_FALSE(process_alive(old, child));
}
