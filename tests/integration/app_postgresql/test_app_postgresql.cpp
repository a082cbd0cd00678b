// The postgresql application plugin, loaded as haven loads it (the plugin host, the object
// made by kind through the host context), driving a real PostgreSQL; and the same through a
// Lua hook run by haven-hook (haven.app). The dangerous case of a hand-written module: a
// postmaster.pid that names an unrelated process of this node is never signalled.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "child_process.hpp"
#include "haven_test_node.hpp"
#include "pg_test_cluster.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"
#include "postmaster_identity.hpp"
#include "wait_until.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using haven::AppContext;
using haven::StopMode;
using haven::test::PgTestCluster;

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
    auto made = host->make_application("postgresql");
    INFO((made ? "" : made.error().message));
    REQUIRE(made);
    app = std::move(made).value();
  }
};

AppContext context_for(const PgTestCluster& cluster, std::vector<std::string>* said = nullptr) {
  AppContext context;
  context.settings = cluster.settings();
  if (said != nullptr) context.log = [said](haven::LogLevel, std::string_view line) { said->emplace_back(line); };
  return context;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A process unrelated to PostgreSQL, ended and reaped at the end.
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

void write_pid_file(const fs::path& data, pid_t pid) {
  std::ofstream(data / "postmaster.pid") << pid << "\n" << data.string() << "\n1700000000\n5432\n/var/run/postgresql\n";
}

}  // namespace

TEST_CASE("the postgresql plugin starts, checks and stops a real PostgreSQL, gracefully and by force",
          "[integration][postgresql]") {
  if (auto why = haven::test::postgresql_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  PgTestCluster cluster;
  LoadedPlugin loaded;
  auto& app = *loaded.app;
  std::vector<std::string> said;
  const auto context = context_for(cluster, &said);
  INFO("plugin log:\n" << joined(said) << "server log:\n" << haven::test::slurp(cluster.folder() / "postgresql.log"));

  CHECK(app.kind() == "postgresql");
  auto unhealthy = app.check(context);
  REQUIRE_FALSE(unhealthy);
  CHECK(unhealthy.error().code == haven::Errc::io_error);

  auto prepared = app.prepare(context);
  INFO((prepared ? "" : prepared.error().message));
  REQUIRE(prepared);
  CHECK(fs::is_directory(cluster.folder() / "run"));

  auto started = app.start(context);
  INFO((started ? "" : started.error().message));
  REQUIRE(started);
  REQUIRE(app.check(context));
  auto pid_file = haven::test::read_lines(cluster.data() / "postmaster.pid");
  REQUIRE_FALSE(pid_file.empty());
  const pid_t postmaster = std::stoi(pid_file[0]);
  CHECK(haven::postgresql::verify_postmaster(node_host(), postmaster, cluster.data()));

  SECTION("a second start finds it running and leaves it alone") {
    REQUIRE(app.start(context));
    CHECK(haven::test::read_lines(cluster.data() / "postmaster.pid")[0] == pid_file[0]);
  }
  SECTION("a graceful stop ends it cleanly") {
    auto stopped = app.stop(context, StopMode::graceful);
    INFO((stopped ? "" : stopped.error().message));
    REQUIRE(stopped);
    CHECK_FALSE(fs::exists(cluster.data() / "postmaster.pid"));
    CHECK(haven::test::wait_until([&] { return !running(postmaster); }, 5s));
    CHECK_FALSE(app.check(context));
    // and it starts again
    REQUIRE(app.start(context));
    REQUIRE(app.check(context));
  }
  SECTION("a forced stop leaves no server process, and the next start recovers") {
    REQUIRE(app.stop(context, StopMode::forced));
    CHECK(haven::postgresql::processes_in_data_directory(node_host(), cluster.data()).empty());
    CHECK_FALSE(app.check(context));
    auto again = app.start(context);
    INFO((again ? "" : again.error().message));
    REQUIRE(again);
    REQUIRE(app.check(context));
  }
  REQUIRE(app.stop(context, StopMode::forced));
  CHECK(haven::postgresql::processes_in_data_directory(node_host(), cluster.data()).empty());
}

TEST_CASE("a postmaster.pid naming an unrelated process: stop (graceful or forced) signals nothing, start replaces it",
          "[integration][postgresql][dangerous]") {
  if (auto why = haven::test::postgresql_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  PgTestCluster cluster;
  LoadedPlugin loaded;
  auto& app = *loaded.app;
  std::vector<std::string> said;
  const auto context = context_for(cluster, &said);
  INFO("plugin log:\n" << joined(said));

  // The replicated copy of the other node's lock file: its pid is a sleep on this node.
  Sleeper victim;
  write_pid_file(cluster.data(), victim.pid);
  REQUIRE(app.stop(context, StopMode::graceful));
  REQUIRE(app.stop(context, StopMode::forced));
  std::this_thread::sleep_for(200ms);
  CHECK(victim.alive());
  CHECK(joined(said).find("nothing signalled") != std::string::npos);

  // The start sees the stale lock file for what it is, and PostgreSQL comes up.
  auto started = app.start(context);
  INFO((started ? "" : started.error().message));
  REQUIRE(started);
  CHECK(app.check(context));
  CHECK(victim.alive());
  REQUIRE(app.stop(context, StopMode::forced));
  CHECK(victim.alive());
}

TEST_CASE("a Lua hook drives PostgreSQL through haven.app", "[integration][postgresql][lua]") {
  if (auto why = haven::test::postgresql_unavailable(); !why.empty()) {
    WARN("SKIPPED: " << why);
    return;
  }
  PgTestCluster cluster;
  std::string settings = "{ ";
  for (const auto& [key, value] : cluster.settings()) settings += key + " = \"" + value + "\", ";
  settings += "}";
  const auto hook = cluster.folder() / "hook.lua";
  std::ofstream(hook) << "local pg = haven.app(\"postgresql\", " << settings << ")\n"
                      << "assert(pg:kind() == \"postgresql\")\n"
                      << "assert(pg:prepare())\n"
                      << "assert(pg:start())\n"
                      << "assert(pg:check())\n"
                      << "assert(pg:stop())\n"
                      << "local ok, why = pg:check()\n"
                      << "assert(not ok and why:find(\"does not answer\"), why)\n"
                      << "assert(pg:start())\n"
                      << "assert(pg:stop(\"force\"))\n"
                      << "local bad = pcall(pg.stop, pg, \"sideways\")\n"
                      << "assert(not bad)\n"
                      << "print(\"hook done\")\n";
  const auto module_log = cluster.folder() / "module.log";
  haven::test::ChildSpec spec;
  spec.argv = {haven::test::build_program("haven-hook").string(), "--hook", "start_prim", "--file", hook.string()};
  spec.env = {{"SAFEMODULE", "pgtest"}, {"HAVEN_MODULE_LOG", module_log.string()}, {"HAVEN_PLUGIN_PATH", std::nullopt}};
  spec.stdout_file = cluster.folder() / "hook.out";
  spec.stderr_file = cluster.folder() / "hook.err";
  auto ran = haven::test::run_child(spec, 120s);
  INFO(ran.describe() << "\nmodule log:\n" << haven::test::slurp(module_log));
  REQUIRE(ran.exit_code == 0);
  CHECK(ran.out.find("hook done") != std::string::npos);
  CHECK(haven::test::slurp(module_log).find("pg_ctl start") != std::string::npos);
  CHECK(haven::postgresql::processes_in_data_directory(node_host(), cluster.data()).empty());

  // A kind no plugin makes: the hook fails on that line, naming it.
  std::ofstream(hook) << "local x = haven.app(\"nosuchdb\", {})\n";
  auto unknown = haven::test::run_child(spec, 60s);
  INFO(unknown.describe());
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("hook.lua:1") != std::string::npos);
  CHECK(unknown.err.find("nosuchdb") != std::string::npos);
}
