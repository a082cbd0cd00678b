// The start-at-boot decision: every <service boot> mode, with the module running or stopped
// before the node went down, the administrator's haven boot on|off, at a node boot or at a
// mere restart of havend.
#include <catch2/catch.hpp>

#include <array>

#include "daemon/boot_start.hpp"

using namespace haven;
using namespace std::chrono_literals;
using config::BootMode;

namespace {

struct Expectation {
  BootMode mode;
  // started at a node boot, indexed [was_running][admin_on]
  std::array<std::array<bool, 2>, 2> at_boot;
};

// The semantics as docs/operations.md ("Start at boot") states them.
const Expectation kTable[] = {
    {BootMode::on, {{{true, true}, {true, true}}}},        // always, whatever the rest says
    {BootMode::off, {{{false, false}, {false, false}}}},   // never
    {BootMode::auto_, {{{false, false}, {true, true}}}},   // when it was running
    {BootMode::ignore, {{{false, true}, {false, true}}}},  // when haven boot on
};

ModuleBootFacts facts(const std::string& name, BootMode mode, bool was_running, bool admin_on,
                      std::chrono::milliseconds delay = 0ms) {
  ModuleBootFacts f;
  f.module = name;
  f.configured = mode;
  f.boot_delay = delay;
  f.setting.was_running = was_running;
  f.setting.admin_on = admin_on;
  return f;
}

}  // namespace

TEST_CASE("every boot mode, running or stopped before, haven boot on or off, at a node boot or a havend restart") {
  for (const auto& row : kTable) {
    for (bool was_running : {false, true}) {
      for (bool admin_on : {false, true}) {
        for (DaemonStart why : {DaemonStart::node_boot, DaemonStart::daemon_restart}) {
          const bool expected = why == DaemonStart::node_boot && row.at_boot[was_running][admin_on];
          INFO("boot=" << to_string(row.mode) << " was_running=" << was_running << " admin_on=" << admin_on
                       << (why == DaemonStart::node_boot ? " node boot" : " havend restart"));
          const auto plan = plan_boot_starts(why, {facts("m", row.mode, was_running, admin_on)});
          CHECK(plan.size() == (expected ? 1u : 0u));
          // The verdict (what `haven boot status` shows) does not depend on why havend starts.
          CHECK(boot_verdict(row.mode, BootSetting{admin_on, was_running}).start == row.at_boot[was_running][admin_on]);
        }
      }
    }
  }
}

TEST_CASE("the reason names who decided: the configuration, or haven boot under ignore") {
  CHECK(boot_verdict(BootMode::on, {}).reason == "boot=\"on\"");
  CHECK(boot_verdict(BootMode::off, {true, true}).reason == "boot=\"off\"");
  CHECK(boot_verdict(BootMode::auto_, {false, true}).reason == "boot=\"auto\", it was running when the node went down");
  CHECK(boot_verdict(BootMode::auto_, {true, false}).reason == "boot=\"auto\", it was not running when the node went down");
  CHECK(boot_verdict(BootMode::ignore, {true, false}).reason == "boot=\"ignore\", haven boot on");
  CHECK(boot_verdict(BootMode::ignore, {false, true}).reason == "boot=\"ignore\", haven boot off");
}

TEST_CASE("a module whose agent already runs is not started again at a node boot") {
  auto running = facts("web", BootMode::on, true, true);
  running.running_now = true;
  CHECK(plan_boot_starts(DaemonStart::node_boot, {running}).empty());
}

TEST_CASE("starts are ordered by boot_delay, then by name, and carry the delay and the reason") {
  const std::vector<ModuleBootFacts> modules{
      facts("zeta", BootMode::on, false, false, 0ms),   facts("late", BootMode::on, false, false, 30s),
      facts("alpha", BootMode::ignore, false, true, 0ms), facts("off", BootMode::off, true, true, 0ms),
      facts("mid", BootMode::auto_, true, false, 1500ms),
  };
  const auto plan = plan_boot_starts(DaemonStart::node_boot, modules);
  const PlannedBootStart alpha{"alpha", 0ms, "boot=\"ignore\", haven boot on"};
  const PlannedBootStart zeta{"zeta", 0ms, "boot=\"on\""};
  const PlannedBootStart mid{"mid", 1500ms, "boot=\"auto\", it was running when the node went down"};
  const PlannedBootStart late{"late", 30s, "boot=\"on\""};
  const std::vector<PlannedBootStart> expected{alpha, zeta, mid, late};
  CHECK(plan == expected);
}

TEST_CASE("a node boot is a boot id other than the recorded one, or none recorded") {
  CHECK(classify_daemon_start(std::nullopt, "b1") == DaemonStart::node_boot);
  CHECK(classify_daemon_start(std::string("b1"), "b2") == DaemonStart::node_boot);
  CHECK(classify_daemon_start(std::string("b1"), "b1") == DaemonStart::daemon_restart);
}

TEST_CASE("boot_delay reads as the administrator wrote it") {
  CHECK(describe_delay(0ms) == "0s");
  CHECK(describe_delay(30s) == "30s");
  CHECK(describe_delay(1500ms) == "1500ms");
  CHECK(std::string(to_string(BootMode::auto_)) == "auto");
  CHECK(std::string(to_string(BootMode::ignore)) == "ignore");
}
