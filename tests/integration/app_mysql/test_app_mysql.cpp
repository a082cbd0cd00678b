// The mysql application plugin, loaded as haven loads it (the plugin host, the object made by
// kind through the host context), driving a real MariaDB; and the same through a Lua hook run
// by haven-hook (haven.app). The dangerous case of a hand-written module: a pid file that
// names an unrelated process of this node is never signalled.
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
#include "haven_test_node.hpp"
#include "mysql_test_server.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"
#include "server_identity.hpp"
#include "wait_until.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using haven::AppContext;
using haven::StopMode;
using haven::test::MysqlTestServer;

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
    auto made = host->make_application("mysql");
    INFO((made ? "" : made.error().message));
    REQUIRE(made);
    app = std::move(made).value();
  }
};

AppContext context_for(const MysqlTestServer& server, std::vector<std::string>* said = nullptr) {
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

// A process unrelated to MariaDB, ended and reaped at the end.
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

}  // namespace

TEST_CASE("the mysql plugin starts, checks and stops a real MariaDB, gracefully and by force", "[integration][mysql]") {
  if (auto why = haven::test::mysql_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  MysqlTestServer server;
  LoadedPlugin loaded;
  auto& app = *loaded.app;
  std::vector<std::string> said;
  const auto context = context_for(server, &said);
  INFO("plugin log:\n" << joined(said) << "server log:\n" << haven::test::slurp(server.log()));

  CHECK(app.kind() == "mysql");
  auto unhealthy = app.check(context);
  REQUIRE_FALSE(unhealthy);
  CHECK(unhealthy.error().code == haven::Errc::io_error);

  // Files of the datadir that are not mysql's (as a replicated copy may arrive) are given back.
  std::ofstream(server.data() / "stray.txt") << "x";
  REQUIRE(::chown((server.data() / "stray.txt").c_str(), 0, 0) == 0);
  auto prepared = app.prepare(context);
  INFO((prepared ? "" : prepared.error().message));
  REQUIRE(prepared);
  CHECK(fs::is_directory(server.folder() / "run"));
  CHECK(joined(said).find("files of " + server.data().string() + " to mysql") != std::string::npos);
  struct stat stray {};
  REQUIRE(::stat((server.data() / "stray.txt").c_str(), &stray) == 0);
  CHECK(stray.st_uid == ::getpwnam("mysql")->pw_uid);

  auto started = app.start(context);
  INFO((started ? "" : started.error().message));
  REQUIRE(started);
  REQUIRE(app.check(context));
  const pid_t mariadbd = pid_in(server.pid_file());
  CHECK(haven::mysql::verify_server(node_host(), mariadbd, server.data()));
  // Its own server: the socket, pid file and port of the settings, running as mysql.
  CHECK(fs::exists(server.folder() / "run" / ("haven-" + std::to_string(server.port()) + ".sock")));
  CHECK(haven::test::slurp("/proc/" + std::to_string(mariadbd) + "/status").find("Uid:\t" +
                                                                               std::to_string(::getpwnam("mysql")->pw_uid)) !=
        std::string::npos);

  SECTION("check over TCP: root may log in by socket only, and a server that answers is healthy") {
    auto tcp = context;
    tcp.settings["host"] = "127.0.0.1";
    std::vector<std::string> tcp_said;
    tcp.log = [&](haven::LogLevel, std::string_view line) { tcp_said.emplace_back(line); };
    CHECK(app.check(tcp));
    CHECK(joined(tcp_said).find("refused the login") != std::string::npos);
  }
  SECTION("a second start finds it running and leaves it alone") {
    REQUIRE(app.start(context));
    CHECK(pid_in(server.pid_file()) == mariadbd);
    CHECK(joined(said).find("already runs") != std::string::npos);
  }
  SECTION("a graceful stop ends it cleanly") {
    auto stopped = app.stop(context, StopMode::graceful);
    INFO((stopped ? "" : stopped.error().message));
    REQUIRE(stopped);
    CHECK_FALSE(running(mariadbd));
    CHECK_FALSE(fs::exists(server.pid_file()));
    CHECK(haven::test::slurp(server.log()).find("Shutdown complete") != std::string::npos);
    CHECK_FALSE(app.check(context));
    REQUIRE(app.start(context));
    REQUIRE(app.check(context));
  }
  SECTION("a forced stop leaves no server, and the next start recovers") {
    REQUIRE(app.stop(context, StopMode::forced));
    CHECK(haven::mysql::servers_of_datadir(node_host(), server.data()).empty());
    CHECK_FALSE(running(mariadbd));
    CHECK(fs::exists(server.pid_file()));  // a killed server leaves its pid file
    CHECK_FALSE(app.check(context));
    auto again = app.start(context);
    INFO((again ? "" : again.error().message));
    REQUIRE(again);
    REQUIRE(app.check(context));
    CHECK(pid_in(server.pid_file()) != mariadbd);
  }
  REQUIRE(app.stop(context, StopMode::forced));
  CHECK(haven::mysql::servers_of_datadir(node_host(), server.data()).empty());
}

TEST_CASE("a pid file naming an unrelated process: stop (graceful or forced) signals nothing, start replaces it",
          "[integration][mysql][dangerous]") {
  if (auto why = haven::test::mysql_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  MysqlTestServer server;
  LoadedPlugin loaded;
  auto& app = *loaded.app;
  std::vector<std::string> said;
  const auto context = context_for(server, &said);
  INFO("plugin log:\n" << joined(said));

  // A stale pid file (a crash's, or the other node's): its pid is a sleep on this node.
  Sleeper victim;
  fs::create_directories(server.pid_file().parent_path());
  std::ofstream(server.pid_file()) << victim.pid << "\n";
  REQUIRE(app.stop(context, StopMode::graceful));
  REQUIRE(app.stop(context, StopMode::forced));
  std::this_thread::sleep_for(200ms);
  CHECK(victim.alive());
  CHECK(joined(said).find("names process " + std::to_string(victim.pid)) != std::string::npos);
  CHECK(joined(said).find("nothing signalled") != std::string::npos);

  // The start sees the stale pid file for what it is, and MariaDB comes up.
  auto started = app.start(context);
  INFO((started ? "" : started.error().message));
  REQUIRE(started);
  CHECK(app.check(context));
  CHECK(pid_in(server.pid_file()) != victim.pid);
  CHECK(victim.alive());

  // And with the server running, a pid file rewritten to name the sleep: the stop finds the
  // real server through /proc and kills it, not the sleep.
  const pid_t mariadbd = pid_in(server.pid_file());
  std::ofstream(server.pid_file()) << victim.pid << "\n";
  REQUIRE(app.stop(context, StopMode::forced));
  CHECK_FALSE(running(mariadbd));
  CHECK(victim.alive());
}

TEST_CASE("a Lua hook drives MariaDB through haven.app", "[integration][mysql][lua]") {
  if (auto why = haven::test::mysql_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  MysqlTestServer server;
  std::string settings = "{ ";
  for (const auto& [key, value] : server.settings()) settings += key + " = \"" + value + "\", ";
  settings += "}";
  const auto hook = server.folder() / "hook.lua";
  std::ofstream(hook) << "local db = haven.app(\"mysql\", " << settings << ")\n"
                      << "assert(db:kind() == \"mysql\")\n"
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
  CHECK(haven::test::slurp(module_log).find("--datadir=" + server.data().string()) != std::string::npos);
  CHECK(haven::test::slurp(module_log).find("SIGTERM") != std::string::npos);
  CHECK(haven::mysql::servers_of_datadir(node_host(), server.data()).empty());
}
