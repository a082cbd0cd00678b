// When a run-aware checker's watched thing restarted, from the runs its probes report.
#include <catch2/catch.hpp>

#include "checks/restart_detector.hpp"

using haven::checks::describe;
using haven::checks::Restart;
using haven::checks::RestartDetector;

TEST_CASE("the first up probe is no restart, whatever ran before the detector") {
  RestartDetector d;
  CHECK_FALSE(d.observe(true, "agent 7, generation 1"));
  CHECK_FALSE(d.observe(true, "agent 7, generation 1"));
}

TEST_CASE("an up probe of another run than the last up one is a restart") {
  RestartDetector d;
  REQUIRE_FALSE(d.observe(true, "agent 7, generation 1"));
  auto restart = d.observe(true, "agent 7, generation 2");
  REQUIRE(restart);
  CHECK(restart->before == "agent 7, generation 1");
  CHECK(restart->between.empty());
  CHECK(restart->now == "agent 7, generation 2");
  CHECK(describe(*restart) == "agent 7, generation 1, now agent 7, generation 2");
  // Reported once: the new run is now the known one.
  CHECK_FALSE(d.observe(true, "agent 7, generation 2"));
}

TEST_CASE("seen not running and then up in the same run is a restart too") {
  // A secondary stopped and started between probes keeps its agent and its generation.
  RestartDetector d;
  REQUIRE_FALSE(d.observe(true, "agent 7, generation 1"));
  CHECK_FALSE(d.observe(false, "not running"));
  CHECK_FALSE(d.observe(false, "not running"));
  auto restart = d.observe(true, "agent 7, generation 1");
  REQUIRE(restart);
  CHECK(restart->between == "not running");
  CHECK(describe(*restart) == "agent 7, generation 1, then not running, now agent 7, generation 1");
  CHECK_FALSE(d.observe(true, "agent 7, generation 1"));
}

TEST_CASE("down in the same run (hooks running in its role) is no restart") {
  // ALONE Transient while the secondary joins: down for the checker, the same run.
  RestartDetector d;
  REQUIRE_FALSE(d.observe(true, "agent 7, generation 1"));
  CHECK_FALSE(d.observe(false, "agent 7, generation 1"));
  CHECK_FALSE(d.observe(true, "agent 7, generation 1"));
}

TEST_CASE("a probe that learnt nothing of the run changes nothing") {
  RestartDetector d;
  CHECK_FALSE(d.observe(false, ""));  // no answer before anything was seen
  REQUIRE_FALSE(d.observe(true, "agent 7, generation 1"));
  CHECK_FALSE(d.observe(false, ""));  // havend did not answer: not a sign of a restart
  CHECK_FALSE(d.observe(true, ""));
  CHECK_FALSE(d.observe(true, "agent 7, generation 1"));
  CHECK_FALSE(d.observe(false, ""));
  CHECK(d.observe(true, "agent 9, generation 2"));
}

TEST_CASE("a module never seen up that comes up is no restart") {
  // The local module started first and waited for the one it depends on.
  RestartDetector d;
  CHECK_FALSE(d.observe(false, "not running"));
  CHECK_FALSE(d.observe(false, "not running"));
  CHECK_FALSE(d.observe(true, "agent 7, generation 1"));
}
