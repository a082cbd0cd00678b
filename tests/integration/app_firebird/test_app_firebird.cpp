// The firebird application plugin, loaded as haven loads it (the plugin host, the object made
// by kind through the host context), driving a real Firebird 3 SuperServer of the test's own
// (never Debian's firebird3.0.service); and the same through a Lua hook run by haven-hook
// (haven.app). The dangerous cases: a pid file in the replicated folder naming an unrelated
// process of a node that does not run the server is never signalled, and neither is a Firebird
// server of another data folder.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "child_process.hpp"
#include "firebird_test_server.hpp"
#include "haven_test_node.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"
#include "server_identity.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using haven::AppContext;
using haven::StopMode;
using haven::test::FirebirdTestServer;

namespace {

// This node's process facts, as the host gives them to the plugin: what the test checks with.
haven::HostContext& node_host() {
  static haven::BasicHostContext host;
  return host;
}

// The plugin as haven makes it: the build's plugin folder scanned, the object made by kind.
struct LoadedPlugin {
  haven::PluginHost plugins;
  std::shared_ptr<haven::BasicHostContext> host = std::make_shared<haven::BasicHostContext>();
  std::shared_ptr<haven::Application> app;
  LoadedPlugin() {
    plugins.scan({haven::test::build_dir() / "lib" / "haven" / "plugins"});
    host->with_plugins(plugins);
    auto made = host->make_application("firebird");
    INFO((made ? "" : made.error().message));
    REQUIRE(made);
    app = std::move(made).value();
  }
};

AppContext context_for(const FirebirdTestServer& server, std::vector<std::string>* said = nullptr) {
  AppContext context;
  context.settings = server.settings();
  if (said != nullptr) context.log = [said](haven::LogLevel, std::string_view line) { said->emplace_back(line); };
  return context;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A process unrelated to Firebird, ended and reaped at the end.
struct Sleeper {
  pid_t pid = -1;
  Sleeper() {
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::execl("/bin/sleep", "sleep", "120", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  bool alive() const {
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == 0;
  }
  ~Sleeper() {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
};

// Alive and not a zombie (whoever reaps orphans here may be slow to).
bool running(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  const auto stat = haven::test::slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
}

pid_t pid_in(const fs::path& pid_file) {
  const auto lines = haven::test::read_lines(pid_file);
  REQUIRE_FALSE(lines.empty());
  return std::stoi(lines[0]);
}

// Rows of table T of the server's database, through isql-fb over TCP (a client of its own).
std::string remote_sql(const FirebirdTestServer& server, const std::string& sql) {
  haven::test::ChildSpec spec;
  spec.argv = {"/bin/sh", "-c",
               "printf '%s\\n' \"$0\" | /usr/bin/isql-fb -q -ch UTF8 -user SYSDBA -password \"$1\" \"$2\"", sql,
               server.password(),
               "inet://127.0.0.1:" + std::to_string(server.port()) + "/" + server.database().string()};
  spec.env = {{"ISC_USER", std::nullopt}, {"ISC_PASSWORD", std::nullopt}};
  spec.stdout_file = server.folder() / "isql.out";
  spec.stderr_file = server.folder() / "isql.err";
  auto ran = haven::test::run_child(spec, 60s);
  INFO(ran.describe());
  REQUIRE(ran.exit_code == 0);
  return ran.out;
}

}  // namespace

TEST_CASE("the firebird plugin starts, checks and stops a real Firebird, gracefully and by force",
          "[integration][firebird]") {
  if (auto why = haven::test::firebird_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  // Debian's own security database (its SYSDBA password is in /etc/firebird/3.0/SYSDBA.password)
  // is never written: the instance's logins are its own.
  const fs::path debian_security = "/var/lib/firebird/3.0/system/security3.fdb";
  const auto debian_security_before = haven::test::slurp(debian_security);
  FirebirdTestServer server;
  LoadedPlugin loaded;
  auto& app = *loaded.app;
  std::vector<std::string> said;
  const auto context = context_for(server, &said);
  INFO("plugin log:\n" << joined(said) << "server log:\n" << haven::test::slurp(server.log()));

  CHECK(app.kind() == "firebird");
  auto unhealthy = app.check(context);
  REQUIRE_FALSE(unhealthy);
  CHECK(unhealthy.error().code == haven::Errc::io_error);

  // Files of the data folder that are not firebird's (as a replicated copy may arrive) are given back.
  std::ofstream(server.data() / "stray.txt") << "x";
  REQUIRE(::chown((server.data() / "stray.txt").c_str(), 0, 0) == 0);
  auto prepared = app.prepare(context);
  INFO((prepared ? "" : prepared.error().message));
  REQUIRE(prepared);
  CHECK(joined(said).find("files of " + server.data().string() + " to firebird") != std::string::npos);
  struct stat stray {};
  REQUIRE(::stat((server.data() / "stray.txt").c_str(), &stray) == 0);
  CHECK(stray.st_uid == ::getpwnam("firebird")->pw_uid);

  auto started = app.start(context);
  INFO((started ? "" : started.error().message));
  REQUIRE(started);
  REQUIRE(app.check(context));
  const pid_t firebird = pid_in(server.pid_file());
  CHECK(haven::firebird::verify_server(node_host(), firebird, server.data()));
  // Its own server: the port of the settings, its own configuration and lock folder, as firebird.
  const auto conf = haven::test::slurp(server.run_dir() / "firebird.conf");
  CHECK(conf.find("RemoteServicePort = " + std::to_string(server.port())) != std::string::npos);
  CHECK(haven::test::slurp(server.run_dir() / "databases.conf").find((server.data() / "security3.fdb").string()) !=
        std::string::npos);
  CHECK_FALSE(fs::is_empty(server.run_dir() / "lock"));
  // The character sets are found from the moved root: ISO8859_1 (fbintl) converts to UTF8.
  CHECK(fs::exists(server.run_dir() / "intl" / "libfbintl.so"));
  CHECK(haven::test::slurp("/proc/" + std::to_string(firebird) + "/status")
            .find("Uid:\t" + std::to_string(::getpwnam("firebird")->pw_uid)) != std::string::npos);
  remote_sql(server, "create table t (x integer); commit; insert into t values (42); commit;");
  CHECK(remote_sql(server, "select cast('\xc3\xa9t\xc3\xa9' as varchar(10) character set iso8859_1) from rdb$database;")
            .find("\xc3\xa9t\xc3\xa9") != std::string::npos);

  SECTION("a wrong password: the server answers, healthy with a warning") {
    auto wrong = context;
    wrong.settings["password"] = "not-" + server.password();
    std::vector<std::string> wrong_said;
    wrong.log = [&](haven::LogLevel, std::string_view line) { wrong_said.emplace_back(line); };
    CHECK(app.check(wrong));
    CHECK(joined(wrong_said).find("refused the login") != std::string::npos);
  }
  SECTION("a database that is not there: the server answers but cannot serve it") {
    auto missing = context;
    missing.settings["database"] = "missing.fdb";
    auto checked = app.check(missing);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == haven::Errc::refused);
    CHECK(checked.error().message.find("missing.fdb") != std::string::npos);
  }
  SECTION("a server that does not answer: check gives up within check_timeout") {
    auto quick = context;
    quick.settings["check_timeout"] = "2";
    REQUIRE(::kill(firebird, SIGSTOP) == 0);
    const auto before = std::chrono::steady_clock::now();
    auto checked = app.check(quick);
    const auto took = std::chrono::steady_clock::now() - before;
    ::kill(firebird, SIGCONT);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == haven::Errc::timeout);
    CHECK(took < 10s);
    REQUIRE(app.check(context));
  }
  SECTION("a second start finds it running and leaves it alone") {
    REQUIRE(app.start(context));
    CHECK(pid_in(server.pid_file()) == firebird);
    CHECK(joined(said).find("already runs") != std::string::npos);
  }
  SECTION("a graceful stop ends it cleanly, and the data is there at the next start") {
    auto stopped = app.stop(context, StopMode::graceful);
    INFO((stopped ? "" : stopped.error().message));
    REQUIRE(stopped);
    CHECK_FALSE(running(firebird));
    CHECK_FALSE(fs::exists(server.pid_file()));
    CHECK(joined(said).find("SIGTERM") != std::string::npos);
    CHECK_FALSE(app.check(context));
    REQUIRE(app.start(context));
    REQUIRE(app.check(context));
    CHECK(remote_sql(server, "select x from t;").find("42") != std::string::npos);
  }
  SECTION("a forced stop leaves no server, and the next start recovers the committed rows") {
    REQUIRE(app.stop(context, StopMode::forced));
    CHECK(haven::firebird::servers_of_data(node_host(), server.data()).empty());
    CHECK_FALSE(running(firebird));
    CHECK(fs::exists(server.pid_file()));  // a killed server leaves its pid file
    CHECK_FALSE(app.check(context));
    auto again = app.start(context);
    INFO((again ? "" : again.error().message));
    REQUIRE(again);
    REQUIRE(app.check(context));
    CHECK(pid_in(server.pid_file()) != firebird);
    CHECK(remote_sql(server, "select x from t;").find("42") != std::string::npos);
  }
  REQUIRE(app.stop(context, StopMode::forced));
  CHECK(haven::firebird::servers_of_data(node_host(), server.data()).empty());
  CHECK(haven::test::slurp(debian_security) == debian_security_before);
}

TEST_CASE("a node not running Firebird: stop never signals the pid a file of the replicated folder names",
          "[integration][firebird][dangerous]") {
  if (auto why = haven::test::firebird_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  FirebirdTestServer server;
  LoadedPlugin loaded;
  auto& app = *loaded.app;
  std::vector<std::string> said;
  auto context = context_for(server, &said);
  INFO("plugin log:\n" << joined(said));

  // A module that keeps its pid file in the replicated folder, as a hand-written one may: the
  // file arrives from the other node, and its number is a sleep's on this one.
  const auto replicated_pid_file = server.data() / "firebird.pid";
  context.settings["pid_file"] = replicated_pid_file.string();
  Sleeper victim;
  std::ofstream(replicated_pid_file) << victim.pid << "\n";
  REQUIRE(app.stop(context, StopMode::graceful));
  REQUIRE(app.stop(context, StopMode::forced));
  std::this_thread::sleep_for(200ms);
  CHECK(victim.alive());
  CHECK(joined(said).find("names process " + std::to_string(victim.pid)) != std::string::npos);
  CHECK(joined(said).find("nothing signalled") != std::string::npos);

  // The start sees the stale pid file for what it is, and Firebird comes up.
  auto started = app.start(context);
  INFO((started ? "" : started.error().message));
  REQUIRE(started);
  CHECK(app.check(context));
  const pid_t firebird = pid_in(replicated_pid_file);
  CHECK(firebird != victim.pid);
  CHECK(victim.alive());

  SECTION("with the server running, a pid file rewritten to name the sleep: the real server is found and killed") {
    std::ofstream(replicated_pid_file) << victim.pid << "\n";
    REQUIRE(app.stop(context, StopMode::forced));
    CHECK_FALSE(running(firebird));
    CHECK(victim.alive());
  }
  SECTION("a Firebird server of another data folder is never signalled") {
    FirebirdTestServer other;
    auto other_context = context_for(other);
    auto other_started = app.start(other_context);
    INFO((other_started ? "" : other_started.error().message));
    REQUIRE(other_started);
    const pid_t other_firebird = pid_in(other.pid_file());
    // This module's pid file names the other instance's server: verified, it is refused.
    std::ofstream(replicated_pid_file) << other_firebird << "\n";
    REQUIRE(app.stop(context, StopMode::forced));
    CHECK_FALSE(running(firebird));
    CHECK(running(other_firebird));
    CHECK(app.check(other_context));
    CHECK(joined(said).find("another data folder") != std::string::npos);
    auto other_stopped = app.stop(other_context, StopMode::graceful);
    INFO((other_stopped ? "" : other_stopped.error().message));
    REQUIRE(other_stopped);
    CHECK_FALSE(running(other_firebird));
  }
  CHECK(haven::firebird::servers_of_data(node_host(), server.data()).empty());
}

TEST_CASE("a Lua hook drives Firebird through haven.app", "[integration][firebird][lua]") {
  if (auto why = haven::test::firebird_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  FirebirdTestServer server;
  std::string settings = "{ ";
  for (const auto& [key, value] : server.settings()) settings += key + " = \"" + value + "\", ";
  settings += "}";
  const auto hook = server.folder() / "hook.lua";
  std::ofstream(hook) << "local db = haven.app(\"firebird\", " << settings << ")\n"
                      << "assert(db:kind() == \"firebird\")\n"
                      << "assert(db:prepare())\n"
                      << "assert(db:start())\n"
                      << "assert(db:check())\n"
                      << "assert(db:stop())\n"
                      << "local ok, why = db:check()\n"
                      << "assert(not ok and why:find(\"does not answer\"), why)\n"
                      << "assert(db:start())\n"
                      << "assert(db:stop(\"force\"))\n"
                      << "print(\"hook done\")\n";
  const auto module_log = server.folder() / "module.log";
  haven::test::ChildSpec spec;
  spec.argv = {haven::test::build_program("haven-hook").string(), "--hook", "start_prim", "--file", hook.string()};
  spec.env = {{"SAFEMODULE", "mytest"}, {"HAVEN_MODULE_LOG", module_log.string()}, {"HAVEN_PLUGIN_PATH", std::nullopt}};
  spec.stdout_file = server.folder() / "hook.out";
  spec.stderr_file = server.folder() / "hook.err";
  auto ran = haven::test::run_child(spec, 180s);
  INFO(ran.describe() << "\nmodule log:\n" << haven::test::slurp(module_log));
  REQUIRE(ran.exit_code == 0);
  CHECK(ran.out.find("hook done") != std::string::npos);
  CHECK(haven::test::slurp(module_log).find("/usr/sbin/firebird " + server.data().string()) != std::string::npos);
  CHECK(haven::test::slurp(module_log).find("SIGTERM") != std::string::npos);
  CHECK(haven::firebird::servers_of_data(node_host(), server.data()).empty());
}
