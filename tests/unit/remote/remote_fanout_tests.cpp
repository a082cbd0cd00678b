#include <catch2/catch.hpp>

#include "control/command_registry.hpp"
#include "remote_fanout.hpp"

using haven::cli::without_host_option;

namespace {
std::vector<std::string> strip(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return without_host_option(static_cast<int>(argv.size()), argv.data());
}
}  // namespace

TEST_CASE("each node's child gets the command line without -H and its value, in every spelling", "[remote][fanout]") {
  using V = std::vector<std::string>;
  CHECK(strip({"haven", "--root", "/r", "-H", "*", "state", "--json"}) == V{"haven", "--root", "/r", "state", "--json"});
  CHECK(strip({"haven", "state", "-H", "node1,node2", "-m", "web"}) == V{"haven", "state", "-m", "web"});
  CHECK(strip({"safekit", "-Hnode2", "start", "-m", "web"}) == V{"safekit", "start", "-m", "web"});
  CHECK(strip({"haven", "-H=*", "stop"}) == V{"haven", "stop"});
}

TEST_CASE("arguments after -- are passed on untouched, even one that looks like -H", "[remote][fanout]") {
  CHECK(strip({"haven", "-H", "*", "set", "--", "-H"}) == std::vector<std::string>{"haven", "set", "--", "-H"});
}

TEST_CASE("only commands that go through havend may run on other nodes", "[remote][fanout]") {
  auto remote = [](const char* c) {
    const auto* spec = haven::find_command(c);
    return spec != nullptr && spec->remote;
  };
  for (const char* c : {"start", "stop", "prim", "second", "swap", "state", "waitstate", "get", "set", "failover",
                        "config", "confinfo", "deconfig", "update", "cluster-push", "module-export"})
    CHECK(remote(c));
  // They read or write this node's files (config -m goes through havend; config check does not,
  // and says so under -H: cli/config_commands.cpp).
  for (const char* c : {"module", "log", "cluster", "plugins", "snapshot", "dump"}) CHECK_FALSE(remote(c));
}
