// Which processes belong to a module: its agent, what the agent started, what hooks left
// running with the module's environment — and not a namesake module of another node.
#include <catch2/catch.hpp>

#include <unistd.h>

#include "module_processes.hpp"

using namespace haven::cli;

namespace {

ProcessInfo process(pid_t pid, pid_t ppid, std::string command, std::map<std::string, std::string> env = {}) {
  ProcessInfo p;
  p.pid = pid;
  p.ppid = ppid;
  p.command = std::move(command);
  p.env = std::move(env);
  return p;
}

}  // namespace

TEST_CASE("a module's processes are its agent, the agent's descendants and its hooks' leftovers", "[processes]") {
  const std::string var = "/root1/lib/var/modules/web";
  std::vector<ProcessInfo> table;
  // Children listed before their parents, as /proc may order them.
  table.push_back(process(300, 200, "sleep 1000"));
  table.push_back(process(200, 100, "haven-hook start_prim"));
  table.push_back(process(100, 1, "haven-agent -m web"));
  table.push_back(process(400, 1, "nginx: master", {{"SAFEMODULE", "web"}, {"SAFEUSERVAR", var}}));
  table.push_back(process(500, 1, "nginx of node2", {{"SAFEMODULE", "web"}, {"SAFEUSERVAR", "/root2/lib/var/modules/web"}}));
  table.push_back(process(600, 1, "db app", {{"SAFEMODULE", "db"}, {"SAFEUSERVAR", "/root1/lib/var/modules/db"}}));
  table.push_back(process(700, 1, "bash"));

  const auto found = select_module_processes(table, 100, "web", var);
  REQUIRE(found.size() == 4);
  CHECK(found[0].process.pid == 100);
  CHECK(found[0].why == "agent");
  CHECK(found[1].process.pid == 200);
  CHECK_THAT(found[1].why, Catch::Contains("started by the agent"));
  CHECK(found[2].process.pid == 300);
  CHECK(found[3].process.pid == 400);
  CHECK_THAT(found[3].why, Catch::Contains("hook environment"));

  const auto json = to_json(found);
  REQUIRE(json.size() == 4);
  CHECK(json[3]["command"] == "nginx: master");
  CHECK(json[0]["ppid"] == 1);
}

TEST_CASE("without a running agent only the hooks' leftovers count", "[processes]") {
  std::vector<ProcessInfo> table{process(10, 1, "leftover", {{"SAFEMODULE", "web"}, {"SAFEUSERVAR", "/v/web"}}),
                                 process(11, 10, "its child")};
  const auto found = select_module_processes(table, std::nullopt, "web", "/v/web");
  REQUIRE(found.size() == 1);
  CHECK(found[0].process.pid == 10);
}

TEST_CASE("the process table read from /proc holds this process's parent, not itself", "[processes]") {
  const auto table = read_process_table();
  bool parent = false, self = false;
  for (const auto& p : table) {
    parent = parent || p.pid == ::getppid();
    self = self || p.pid == ::getpid();
  }
  CHECK(parent);
  CHECK_FALSE(self);
}
