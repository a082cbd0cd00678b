// One node, end to end: havend, the agent, the haven CLI and Lua hooks, in the order and
// with the arguments of the seed product (docs/states.md).
#include <signal.h>

#include <catch2/catch.hpp>

#include "haven_test_node.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::mirror_userconfig;
using haven::test::pack_module;
using haven::test::read_lines;
using haven::test::recording_hooks;
using haven::test::slurp;

namespace {

const std::vector<std::string> kPrimHooks{
    "transition STOP WAIT start",  "prestart STOP WAIT start",   "transition WAIT ALONE start",
    "start_both WAIT ALONE start", "start_prim WAIT ALONE start", "start_sec WAIT ALONE start"};

const std::vector<std::string> kStopFromAloneHooks{
    "stop_sec ALONE WAIT stop",         "stop_prim ALONE WAIT stop",        "stop_both ALONE WAIT stop",
    "transition ALONE WAIT stop",       "stop_sec force WAIT STOP stop",    "stop_prim force WAIT STOP stop",
    "stop_second force WAIT STOP stop", "stop_both force WAIT STOP stop",   "poststop WAIT STOP stop",
    "transition WAIT STOP stop"};

std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

void install(const HavenTestNode& node, const std::string& name, const haven::test::ModuleSource& source) {
  auto safe = pack_module(node.work_dir(), name, source);
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

void require_command(const HavenTestNode& node, const std::vector<std::string>& args) {
  auto r = node.haven(args);
  INFO("haven " << args.front() << ": " << r.describe());
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("prim, stop and start run the seed's hooks in order and a clean stop keeps the data up to date",
          "[integration][lifecycle]") {
  HavenTestNode node;
  install(node, "lc", {mirror_userconfig(), recording_hooks()});

  require_command(node, {"prim", "-m", "lc"});
  auto alone = node.module_state("lc");
  INFO(alone.dump());
  CHECK(alone.value("state", "") == "ALONE");
  CHECK(alone.value("substate", "") == "Ready");
  CHECK(alone.value("uptodate", false));
  CHECK(read_lines(node.record_file("lc")) == kPrimHooks);

  require_command(node, {"stop", "-m", "lc"});
  auto stopped = node.module_state("lc");
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");
  CHECK(read_lines(node.record_file("lc")) == concat({kPrimHooks, kStopFromAloneHooks}));

  const auto knowledge = nlohmann::json::parse(slurp(node.paths().knowledge_file("lc")));
  INFO("knowledge file: " << knowledge.dump());
  CHECK(knowledge.value("data_uptodate", false));
  CHECK(knowledge.value("last_role", "") == "prim");

  require_command(node, {"start", "-m", "lc"});
  auto again = node.module_state("lc");
  INFO(again.dump());
  CHECK(again.value("state", "") == "ALONE");
  CHECK(again.value("substate", "") == "Ready");
  CHECK(again.value("uptodate", false));
  CHECK(read_lines(node.record_file("lc")) == concat({kPrimHooks, kStopFromAloneHooks, kPrimHooks}));
}

TEST_CASE("start of a never-primed module waits NotReady, asks for prim, and prim then makes it ALONE",
          "[integration][lifecycle]") {
  HavenTestNode node;
  install(node, "np", {mirror_userconfig(), recording_hooks()});

  auto start = node.haven({"--json", "start", "-m", "np"});
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  auto waiting = node.module_state("np");
  INFO(waiting.dump());
  CHECK(waiting.value("state", "") == "WAIT");
  CHECK(waiting.value("substate", "") == "NotReady");
  CHECK(waiting.value("uptodate", true) == false);
  CHECK_THAT(waiting.value("reason", ""), Catch::Contains("haven prim -m np"));
  const auto before_prim = read_lines(node.record_file("np"));
  CHECK(std::find(before_prim.begin(), before_prim.end(), "start_prim WAIT ALONE start") == before_prim.end());
  CHECK(before_prim == std::vector<std::string>{"transition STOP WAIT start", "prestart STOP WAIT start"});

  require_command(node, {"prim", "-m", "np"});
  auto alone = node.module_state("np");
  INFO(alone.dump());
  CHECK(alone.value("state", "") == "ALONE");
  CHECK(alone.value("substate", "") == "Ready");
  CHECK(alone.value("uptodate", false));
  const auto after_prim = read_lines(node.record_file("np"));
  CHECK(std::count(after_prim.begin(), after_prim.end(), "start_prim WAIT ALONE start") == 1);
}

TEST_CASE("havend notices a killed agent, shows the module STOP, and a later start brings it back to ALONE",
          "[integration][lifecycle]") {
  HavenTestNode node;
  install(node, "kl", {mirror_userconfig(), recording_hooks()});
  require_command(node, {"prim", "-m", "kl"});

  const auto alone = node.module_state("kl");
  INFO(alone.dump());
  REQUIRE(alone.value("state", "") == "ALONE");
  const int agent_pid = alone.value("pid", 0);
  REQUIRE(agent_pid > 0);
  REQUIRE(::kill(agent_pid, SIGKILL) == 0);

  auto stopped = node.wait_for_state("kl", "STOP", "", 5s);
  INFO(stopped.dump());
  CHECK(stopped.value("state", "") == "STOP");
  const auto havend_log = node.paths().daemon_log();
  CHECK(haven::test::wait_until(
      [&] {
        const auto text = slurp(havend_log);
        return text.find("agent of module kl (pid " + std::to_string(agent_pid) + ") died") != std::string::npos;
      },
      5s));
  INFO("havend.log:\n" << slurp(havend_log));

  require_command(node, {"start", "-m", "kl"});
  auto back = node.module_state("kl");
  INFO(back.dump());
  CHECK(back.value("state", "") == "ALONE");
  CHECK(back.value("substate", "") == "Ready");
  CHECK(back.value("pid", 0) != agent_pid);
}

TEST_CASE("state -l -q exits 0 for a stopped module and 2 for an ALONE one", "[integration][lifecycle]") {
  HavenTestNode node;
  install(node, "lq", {mirror_userconfig(), {}});

  auto stopped = node.haven({"state", "-m", "lq", "-l", "-q"});
  INFO(stopped.describe());
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.out.empty());

  require_command(node, {"prim", "-m", "lq"});
  auto alone = node.haven({"state", "-m", "lq", "-l", "-q"});
  INFO(alone.describe());
  CHECK(alone.exit_code == 2);
  CHECK(alone.out.empty());
}

TEST_CASE("cluster genkey writes a private key once, and confinfo shows the same fingerprint", "[integration][cluster]") {
  HavenTestNode node;
  auto made = node.haven_json({"cluster", "genkey"});
  INFO(made.dump());
  const std::string fingerprint = made.value("fingerprint", "");
  CHECK(fingerprint.size() == 16);
  const auto file = node.paths().cluster_key();
  REQUIRE(std::filesystem::exists(file));
  CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  auto again = node.haven({"cluster", "genkey"});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("--force"));

  CHECK(node.haven_json({"cluster", "confinfo"}).value("fingerprint", "") == fingerprint);
  auto replaced = node.haven_json({"cluster", "genkey", "--force"});
  CHECK(replaced.value("fingerprint", "") != fingerprint);
}
