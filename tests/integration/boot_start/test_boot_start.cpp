// Start at boot, end to end: a real havend and light modules under a private root. A node
// boot is simulated as a reboot would leave the node: havend and every agent killed with
// SIGKILL, then havend started again under a new boot id (HAVEN_TEST_BOOT_ID, the test-only
// override of /proc/sys/kernel/random/boot_id). The same boot id again is a mere restart.
#include <catch2/catch.hpp>

#include <signal.h>
#include <time.h>

#include <algorithm>

#include "haven_test_node.hpp"
#include "process_scan.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::CommandResult;
using haven::test::Env;
using haven::test::HavenTestNode;
using haven::test::read_lines;

namespace {

constexpr const char* kBootIdVariable = "HAVEN_TEST_BOOT_ID";

std::string light_userconfig(const std::string& service_attributes) {
  return "<!DOCTYPE safe>\n"
         "<safe>\n"
         "  <service mode=\"light\" " + service_attributes + ">\n"
         "    <user/>\n"
         "  </service>\n"
         "</safe>\n";
}

void install(const HavenTestNode& node, const std::string& name, const std::string& service_attributes,
             const std::map<std::string, std::string>& then = {}) {
  auto safe = haven::test::pack_module(node.work_dir(), name, {light_userconfig(service_attributes),
                                                               haven::test::recording_hooks(then)});
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

void require_command(const HavenTestNode& node, const std::vector<std::string>& args) {
  auto r = node.haven(args);
  INFO("haven " << args.front() << " " << (args.size() > 1 ? args[1] : "") << ": " << r.describe());
  REQUIRE(r.exit_code == 0);
}

// A process that is gone or a zombie (a killed child not yet reaped) no longer runs.
bool gone(pid_t pid) {
  auto lines = read_lines("/proc/" + std::to_string(pid) + "/stat");
  if (lines.empty()) return true;
  const auto close = lines[0].rfind(')');
  return close != std::string::npos && close + 2 < lines[0].size() && lines[0][close + 2] == 'Z';
}

// What a power cut does to this node: havend and everything it started die at once.
void kill_node(const HavenTestNode& node, pid_t havend) {
  ::kill(havend, SIGKILL);
  REQUIRE(haven::test::wait_until([&] { return gone(havend); }, 10s));
  for (int round = 0; round < 10; ++round) {
    auto pids = haven::test::processes_mentioning(node.root().string());
    pids.erase(std::remove(pids.begin(), pids.end(), havend), pids.end());
    if (pids.empty()) break;
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    haven::test::wait_until([&] { return haven::test::processes_mentioning(node.root().string()).empty(); }, 1s);
  }
}

// havend started again on the node's root with `boot_id`; stopped (SIGTERM) at the end.
class RestartedHavend {
 public:
  RestartedHavend(const HavenTestNode& node, const std::string& boot_id, const std::string& tag) {
    haven::test::ChildSpec spec;
    spec.argv = {haven::test::build_program("havend").string(), "--root", node.root().string(), "--node", "node1"};
    spec.env = {{"HAVEN_ROOT", std::nullopt}, {"SAFEMODULE", std::nullopt}, {"HAVEN_PLUGIN_PATH", std::nullopt},
                {kBootIdVariable, boot_id}};
    spec.stdout_file = node.work_dir() / ("havend-" + tag + ".out");
    spec.stderr_file = node.work_dir() / ("havend-" + tag + ".err");
    pid_ = haven::test::spawn_child(spec);
    REQUIRE(pid_ > 0);
    const bool up = haven::test::wait_until([&] { return node.haven({"state"}, {}, 10s).exit_code == 0; }, 20s, 100ms);
    INFO(haven::test::slurp(spec.stderr_file));
    REQUIRE(up);
  }
  ~RestartedHavend() {
    if (pid_ <= 0) return;
    if (gone(pid_)) {
      haven::test::wait_child(pid_, 1s);  // reaps the zombie a simulated power cut left
      return;
    }
    ::kill(pid_, SIGTERM);
    if (!haven::test::wait_child(pid_, 60s)) ::kill(pid_, SIGKILL);
  }
  RestartedHavend(const RestartedHavend&) = delete;
  RestartedHavend& operator=(const RestartedHavend&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// havend.log's lines from the last one containing `marker` on (the current havend's part).
std::vector<std::string> log_since(const HavenTestNode& node, const std::string& marker) {
  auto lines = read_lines(node.paths().daemon_log());
  auto from = lines.end();
  for (auto it = lines.begin(); it != lines.end(); ++it)
    if (it->find(marker) != std::string::npos) from = it;
  return {from, lines.end()};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

// The index of the first line containing `text`, or -1.
long line_of(const std::vector<std::string>& lines, const std::string& text) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(text) != std::string::npos) return static_cast<long>(i);
  return -1;
}

// A log line's time ("2026-11-25 17:04:12.345 I ...", local time) in ms since 1970.
long long log_time_ms(const std::string& line) {
  std::tm tm{};
  const char* rest = ::strptime(line.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  REQUIRE(rest != nullptr);
  REQUIRE(*rest == '.');
  tm.tm_isdst = -1;
  const long long seconds = static_cast<long long>(::mktime(&tm));
  return seconds * 1000 + std::stoll(std::string(rest + 1, 3));
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::vector<std::string> kStartedAtBoot{"on_mod", "auto_run", "admin_on", "delayed"};
const std::vector<std::string> kStoppedAtBoot{"off_mod", "auto_stop", "plain"};

}  // namespace

TEST_CASE("after a node boot havend starts the modules <service boot> and haven boot name, after its delay; "
          "after a mere restart of havend it starts none",
          "[integration][boot]") {
  HavenTestNode node("node1", "", Env{{kBootIdVariable, "test-boot-1"}});
  install(node, "on_mod", "boot=\"on\"");
  install(node, "off_mod", "boot=\"off\"");
  install(node, "auto_run", "boot=\"auto\"");
  install(node, "auto_stop", "boot=\"auto\"");
  install(node, "admin_on", "");  // boot="ignore", the default
  install(node, "plain", "boot=\"ignore\"");
  install(node, "delayed", "boot=\"on\" boot_delay=\"3s\"");
  install(node, "broken", "boot=\"on\"", {{"start_both", "os.exit(3)\n"}});

  // The administrator's setting applies under ignore only: the configuration wins.
  auto refused = node.haven({"boot", "on", "-m", "on_mod"});
  INFO(refused.describe());
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("boot=\"on\"") && Catch::Contains("configuration wins"));
  CHECK(node.haven({"boot", "on"}).exit_code == 1);  // needs -m
  require_command(node, {"boot", "on", "-m", "admin_on"});

  // Before the "reboot": off_mod, auto_run and plain running; auto_stop started, then
  // stopped by the administrator; the others never started.
  for (const char* m : {"off_mod", "auto_run", "auto_stop", "plain"}) require_command(node, {"start", "-m", m});
  require_command(node, {"stop", "-m", "auto_stop"});

  auto status = node.haven_json({"boot", "status"});
  INFO(status.dump(2));
  REQUIRE(status.is_array());
  std::map<std::string, nlohmann::json> by_module;
  for (const auto& m : status) by_module[m.value("module", "")] = m;
  REQUIRE(by_module.size() == 8);
  for (const auto& m : kStartedAtBoot) CHECK(by_module[m].value("next_boot", "") == "start");
  for (const auto& m : kStoppedAtBoot) CHECK(by_module[m].value("next_boot", "") == "no start");
  CHECK(by_module["admin_on"].value("configured", "") == "ignore");
  CHECK(by_module["admin_on"].value("admin", "") == "on");
  CHECK(by_module["auto_run"].value("was_running", false));
  CHECK_FALSE(by_module["auto_stop"].value("was_running", true));
  CHECK(by_module["delayed"].value("boot_delay_ms", 0) == 3000);
  CHECK(by_module["plain"].value("reason", "") == "boot=\"ignore\", haven boot off");

  SECTION("a new boot id: the modules come up as configured, and not before their delay") {
    kill_node(node, node.havend_pid());
    const auto before_boot_ms = now_ms();
    RestartedHavend booted(node, "test-boot-2", "boot2");
    for (const auto& m : kStartedAtBoot) {
      auto st = node.wait_for_state(m, "UP", "Ready", 60s);
      INFO(m << ": " << st.dump());
      CHECK(st.value("state", "") == "UP");
    }
    // A start at boot goes through `haven start`'s path: the module's hooks ran.
    auto record = read_lines(node.record_file("on_mod"));
    CHECK(std::find(record.begin(), record.end(), "start_both WAIT UP start") != record.end());
    // broken's start_both fails: the start at boot ends STOP and both logs say so.
    REQUIRE(haven::test::wait_until([&] {
      return line_of(log_since(node, "boot id test-boot-2"), "module broken: started at boot") >= 0 &&
             node.module_state("broken").value("state", "") == "STOP";
    }, 60s, 200ms));

    const auto log = log_since(node, "boot id test-boot-2");
    INFO(joined(log));
    CHECK(line_of(log, "the node booted (boot id test-boot-2, havend last ran under test-boot-1)") >= 0);
    CHECK(line_of(log, "module on_mod: started at boot (boot=\"on\")") >= 0);
    CHECK(line_of(log, "module admin_on: started at boot (boot=\"ignore\", haven boot on)") >= 0);
    CHECK(line_of(log, "module auto_run: started at boot (boot=\"auto\", it was running when the node went down)") >= 0);
    CHECK(line_of(log, "module off_mod: not started at boot (boot=\"off\")") >= 0);
    CHECK(line_of(log, "module auto_stop: not started at boot (boot=\"auto\", it was not running") >= 0);
    CHECK(line_of(log, "module plain: not started at boot (boot=\"ignore\", haven boot off)") >= 0);
    CHECK(line_of(log, "module delayed: starts at boot in 3s") >= 0);
    REQUIRE(haven::test::wait_until([&] {
      return line_of(log_since(node, "boot id test-boot-2"), "module broken: started at boot (boot=\"on\") but it ended STOP") >= 0;
    }, 30s));

    // boot_delay: not before 3 s after havend was started, and after the undelayed ones.
    const long delayed_line = line_of(log, "module delayed: started at boot (boot=\"on\")");
    REQUIRE(delayed_line >= 0);
    CHECK(log_time_ms(log[static_cast<std::size_t>(delayed_line)]) >= before_boot_ms + 3000);
    CHECK(line_of(log, "module on_mod: started at boot") < delayed_line);

    auto module_log = haven::test::slurp(node.module_log("on_mod"));
    CHECK_THAT(module_log, Catch::Contains("started at boot (boot=\"on\")"));
    CHECK_THAT(haven::test::slurp(node.module_log("broken")), Catch::Contains("the start at boot ended STOP"));
    for (const auto& m : kStoppedAtBoot) {
      INFO(m);
      CHECK(node.module_state(m).value("state", "") == "STOP");
      CHECK_THAT(haven::test::slurp(node.module_log(m)), !Catch::Contains("started at boot"));
    }

    SECTION("the same boot id again: havend was restarted, not the node, and starts nothing") {
      kill_node(node, booted.pid());
      RestartedHavend restarted(node, "test-boot-2", "restart");
      const auto restart_log_marker = "havend restarted during the same boot of the node (boot id test-boot-2)";
      REQUIRE(line_of(log_since(node, restart_log_marker), restart_log_marker) >= 0);
      // Longer than the longest boot_delay (3 s): a planned start would have begun by then.
      std::this_thread::sleep_for(4s);
      const auto after = log_since(node, restart_log_marker);
      INFO(joined(after));
      CHECK(line_of(after, ": started at boot") < 0);
      CHECK(line_of(after, "started the agent of module") < 0);
      for (const auto& m : kStartedAtBoot) {
        INFO(m);
        CHECK(node.module_state(m).value("state", "") == "STOP");
      }
      // The crash changed no setting: the next real boot would start the same modules.
      auto again = node.haven_json({"boot", "status", "-m", "auto_run"});
      INFO(again.dump(2));
      REQUIRE(again.is_array());
      CHECK(again[0].value("next_boot", "") == "start");
    }
  }
}

TEST_CASE("haven boot off takes back haven boot on, and a stop by the administrator is remembered for boot=auto",
          "[integration][boot]") {
  HavenTestNode node;
  install(node, "solo", "");
  install(node, "follow", "boot=\"auto\"");
  require_command(node, {"boot", "on", "-m", "solo"});
  auto on = node.haven_json({"boot", "status", "-m", "solo"});
  INFO(on.dump(2));
  CHECK(on[0].value("next_boot", "") == "start");
  auto off = node.haven_json({"boot", "off", "-m", "solo"});
  INFO(off.dump(2));
  CHECK(off.value("ok", false));
  CHECK(off["status"][0].value("next_boot", "") == "no start");
  CHECK(off["status"][0].value("reason", "") == "boot=\"ignore\", haven boot off");

  auto refused = node.haven_json({"boot", "on", "-m", "follow"});
  INFO(refused.dump(2));
  CHECK_FALSE(refused.value("ok", true));
  CHECK(refused["error"].value("code", "") == "refused");

  auto next_boot = [&] { return node.haven_json({"boot", "status", "-m", "follow"})[0].value("next_boot", ""); };
  CHECK(next_boot() == "no start");  // never started
  require_command(node, {"start", "-m", "follow"});
  CHECK(next_boot() == "start");
  require_command(node, {"stop", "-m", "follow"});
  CHECK(next_boot() == "no start");

  auto text = node.haven({"boot", "status"});
  INFO(text.describe());
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("AT NEXT NODE BOOT") && Catch::Contains("follow") && Catch::Contains("solo"));
}
