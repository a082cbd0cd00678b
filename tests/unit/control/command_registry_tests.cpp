// The one table of commands: complete, without duplicates, and consistent with itself.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "control/command_registry.hpp"

using namespace haven;

TEST_CASE("every command is listed once, with a summary for the CLI") {
  std::set<std::string_view> names;
  for (const auto& spec : command_registry()) {
    INFO(std::string(spec.name));
    CHECK(names.insert(spec.name).second);
    CHECK_FALSE(spec.summary.empty());
    CHECK(find_command(spec.name) == &spec);
  }
  CHECK(find_command("no-such-command") == nullptr);
}

TEST_CASE("every behaviour command a user can type is in the table, once") {
  // failover_on/off come from "failover on|off"; wait_on/off from failover rules, not users.
  for (Command c : {Command::start, Command::stop, Command::forcestop, Command::prim, Command::primforce,
                    Command::second, Command::restart, Command::stopstart, Command::swap}) {
    int found = 0;
    for (const auto& spec : command_registry()) found += spec.behaviour == c ? 1 : 0;
    INFO(to_string(c));
    CHECK(found == 1);
  }
}

TEST_CASE("what havend and the agent decide from the table") {
  // havend starts an agent only for the commands that start a module; a stop without one is
  // answered "already stopped".
  for (const char* c : {"start", "prim", "primforce", "second"}) CHECK(find_command(c)->starts_agent);
  for (const char* c : {"stop", "forcestop", "swap", "restart", "stopstart", "state", "set"})
    CHECK_FALSE(find_command(c)->starts_agent);
  CHECK(find_command("stop")->stops);
  CHECK(find_command("forcestop")->stops);
  // A stopstart restarts through WAIT: the agent waits for its peer afterwards, as after a start.
  CHECK(find_command("stopstart")->waits_for_peer);
  CHECK_FALSE(find_command("swap")->waits_for_peer);
  // Only prim and second take "fullsync".
  for (const auto& spec : command_registry())
    CHECK(spec.takes_fullsync == (spec.name == "prim" || spec.name == "second"));
  CHECK(remote_command_list().find("rfsverify") != std::string::npos);
}
