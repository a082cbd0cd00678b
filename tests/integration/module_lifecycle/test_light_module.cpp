// A light module (mode="light") on one node, end to end: the farm's automaton through the
// real havend, agent and Lua hooks; a failing checker restarts the application locally.
#include <catch2/catch.hpp>

#include <algorithm>

#include "haven_test_node.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::pack_module;
using haven::test::read_lines;
using haven::test::recording_hooks;

namespace {

std::string light_userconfig(const std::string& checks = "") {
  return "<!DOCTYPE safe>\n"
         "<safe>\n"
         "  <service mode=\"light\" maxloop=\"3\" loop_interval=\"24h\">\n"
         "    <user/>\n" +
         checks +
         "  </service>\n"
         "</safe>\n";
}

void require_command(const HavenTestNode& node, const std::vector<std::string>& args) {
  auto r = node.haven(args);
  INFO("haven " << args.front() << ": " << r.describe());
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("a light module starts UP through prestart and start_both, and stops through stop_both and poststop",
          "[integration][light]") {
  HavenTestNode node;
  auto safe = pack_module(node.work_dir(), "solo", {light_userconfig(), recording_hooks()});
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);

  require_command(node, {"start", "-m", "solo"});
  auto up = node.module_state("solo");
  INFO(up.dump());
  CHECK(up.value("state", "") == "UP");
  CHECK(up.value("substate", "") == "Ready");
  const std::vector<std::string> start{"transition STOP WAIT start", "prestart STOP WAIT start", "transition WAIT UP start",
                                       "start_both WAIT UP start"};
  CHECK(read_lines(node.record_file("solo")) == start);
  auto lq = node.haven({"state", "-m", "solo", "-lq"});
  CHECK(lq.exit_code == 2);  // UP, as ALONE

  auto refused = node.haven({"prim", "-m", "solo"});
  CHECK(refused.exit_code != 0);
  CHECK((refused.out + refused.err).find("no primary") != std::string::npos);

  require_command(node, {"stop", "-m", "solo"});
  auto stopped = node.module_state("solo");
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");
  auto lines = read_lines(node.record_file("solo"));
  const std::vector<std::string> stop{"stop_both UP WAIT stop", "transition UP WAIT stop", "stop_both force WAIT STOP stop",
                                      "poststop WAIT STOP stop", "transition WAIT STOP stop"};
  REQUIRE(lines.size() == start.size() + stop.size());
  CHECK(std::vector<std::string>(lines.begin() + static_cast<long>(start.size()), lines.end()) == stop);
}

TEST_CASE("a light module's failing checker restarts the application in place, once", "[integration][light]") {
  HavenTestNode node;
  auto hooks = recording_hooks();
  // Down at its first run (the application "crashed"), up after the restart.
  hooks["watch.lua"] =
      "local module, resource = ...\n"
      "local flag = os.getenv(\"SAFEUSERVAR\") .. \"/watched_once\"\n"
      "local seen = io.open(flag, \"r\")\n"
      "local value = seen and \"up\" or \"down\"\n"
      "if seen then seen:close() else local f = assert(io.open(flag, \"w\")); f:close() end\n"
      "haven.exec{ \"haven\", \"set\", \"-r\", resource, \"-v\", value, \"-m\", module }\n"
      "while true do haven.sleep(10) end\n";
  auto safe = pack_module(node.work_dir(), "solo",
                          {light_userconfig("    <check><custom ident=\"app\" exec=\"watch.lua\" action=\"restart\"/></check>\n"
                                            "    <failover period=\"100ms\" handle_time=\"200ms\"/>\n"),
                           hooks});
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  require_command(node, {"start", "-m", "solo"});
  const bool restarted = haven::test::wait_until(
      [&] {
        const auto lines = read_lines(node.record_file("solo"));
        return std::count(lines.begin(), lines.end(), std::string("start_both UP UP start")) >= 1;
      },
      20s);
  auto state = node.module_state("solo");
  INFO(state.dump());
  CHECK(restarted);
  const auto lines = read_lines(node.record_file("solo"));
  CHECK(std::count(lines.begin(), lines.end(), std::string("stop_both UP UP stop")) == 1);
  CHECK(std::count(lines.begin(), lines.end(), std::string("prestart STOP WAIT start")) == 1);  // in place, not a stopstart
  auto settled = node.wait_for_state("solo", "UP", "Ready", 15s);
  CHECK(settled.value("state", "") == "UP");
}
