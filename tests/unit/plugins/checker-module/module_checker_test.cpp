// haven.checker.module against a stand-in havend on a Unix socket: what it asks, for which
// node, and what it makes of the answer.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>
#include <optional>

#include "control/control_server.hpp"
#include "host_services/node_host_services.hpp"
#include "module_checker.hpp"
#include "plugin_host/basic_host_context.hpp"

using namespace haven;
using namespace haven::checker_module;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct Root {
  Root() {
    std::string pattern = (fs::temp_directory_path() / "haven-modchk-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
    fs::create_directories(path / "run");
    fs::create_directories(path / "etc");
  }
  ~Root() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path socket() const { return path / "run" / "havend.sock"; }
  fs::path cluster() const { return path / "etc" / "cluster.xml"; }
  fs::path path;
};

// A havend that answers "state" with the given state and records what it was asked.
struct FakeDaemon {
  explicit FakeDaemon(const fs::path& socket) {
    auto st = server.start(socket, [this](const ControlRequest& r, const ControlPeer&) {
      std::lock_guard lock(mutex);
      asked.push_back(r);
      nlohmann::json entry{{"module", "db"}, {"state", state}, {"substate", substate}};
      if (pid > 0) entry["pid"] = pid;
      if (generation) entry["generation"] = *generation;
      nlohmann::json data = nlohmann::json::array({entry});
      return ControlResponse::success("", data);
    });
    REQUIRE(st.ok());
  }
  ~FakeDaemon() { server.stop(); }
  ControlServer server;
  std::mutex mutex;
  std::vector<ControlRequest> asked;
  std::string state = "ALONE";
  std::string substate = "Ready";
  int pid = 0;                               // as the agent answers; havend's STOP entry has none
  std::optional<std::uint64_t> generation;
};

// The checker as the agent makes it: its host context answers module_status through the
// node's host services, which ask the (fake) havend under `root`.
struct Probe {
  Probe(const Root& root, const std::string& addr) : context(std::make_shared<BasicHostContext>()) {
    context->with_services(std::make_shared<NodeHostServices>(HavenPaths::under(root.path), std::map<std::string, std::string>{}));
    checker = std::make_unique<ModuleChecker>(ModuleTarget{"db", addr}, *context);
  }
  ModuleChecker* operator->() { return checker.get(); }
  std::shared_ptr<BasicHostContext> context;
  std::unique_ptr<ModuleChecker> checker;
};

Probe checker_for(const Root& root, const std::string& addr) { return Probe(root, addr); }

ModuleStatusReport report(std::string state, std::int64_t pid, std::optional<std::uint64_t> generation,
                          std::optional<std::uint64_t> starts = std::nullopt) {
  ModuleStatusReport r;
  r.module = "db";
  r.state = std::move(state);
  r.agent_pid = pid;
  r.generation = generation;
  r.starts = starts;
  return r;
}

}  // namespace

TEST_CASE("a module is up in PRIM, ALONE, SECOND and UP when Ready, and down otherwise") {
  CHECK(module_is_up("PRIM", "Ready"));
  CHECK(module_is_up("ALONE", "Ready"));
  CHECK(module_is_up("SECOND", "Ready"));
  CHECK(module_is_up("UP", "Ready"));
  CHECK_FALSE(module_is_up("ALONE", "Transient"));
  CHECK_FALSE(module_is_up("WAIT", "NotReady"));
  CHECK_FALSE(module_is_up("STOP", "NotReady"));
}

TEST_CASE("the module checker asks this node's havend for a module on loopback") {
  Root root;
  FakeDaemon daemon(root.socket());
  auto checker = checker_for(root, "127.0.0.1");
  auto up = checker->probe(2s);
  REQUIRE(up);
  CHECK(up->up);
  CHECK(up->reason == "module db on this node is ALONE Ready");
  {
    std::lock_guard lock(daemon.mutex);
    REQUIRE(daemon.asked.size() == 1);
    CHECK(daemon.asked[0].command == "state");
    CHECK(daemon.asked[0].module == "db");
    daemon.state = "WAIT";
    daemon.substate = "NotReady";
  }
  auto down = checker->probe(2s);
  REQUIRE(down);
  CHECK_FALSE(down->up);
  CHECK(down->reason.find("WAIT NotReady") != std::string::npos);
}

TEST_CASE("the module checker has havend relay the question to the node of cluster.xml with that address") {
  Root root;
  std::ofstream(root.cluster()) << "<cluster><lans><lan name=\"default\">\n"
                                   "  <node name=\"node1\" addr=\"198.51.100.1\"/>\n"
                                   "  <node name=\"node2\" addr=\"198.51.100.2\"/>\n"
                                   "</lan></lans></cluster>\n";
  FakeDaemon daemon(root.socket());
  daemon.state = "SECOND";
  auto checker = checker_for(root, "198.51.100.2");
  auto seen = checker->probe(2s);
  REQUIRE(seen);
  CHECK(seen->up);
  CHECK(seen->reason == "module db on node node2 is SECOND Ready");
  std::lock_guard lock(daemon.mutex);
  REQUIRE(daemon.asked.size() == 1);
  CHECK(daemon.asked[0].command == "relay");
  CHECK(daemon.asked[0].args.value("node", "") == "node2");
  CHECK(daemon.asked[0].args["request"].value("command", "") == "state");
  CHECK(daemon.asked[0].args["request"].value("module", "") == "db");
}

TEST_CASE("the module checker is down, saying why, when havend does not answer or the address is no node's") {
  Root root;
  auto silent = checker_for(root, "127.0.0.1")->probe(1s);
  REQUIRE(silent);
  CHECK_FALSE(silent->up);
  CHECK(silent->reason.find("cannot ask havend") != std::string::npos);

  std::ofstream(root.cluster()) << "<cluster><lans><lan name=\"default\">\n"
                                   "  <node name=\"node1\" addr=\"198.51.100.1\"/>\n"
                                   "</lan></lans></cluster>\n";
  auto unknown = checker_for(root, "198.51.100.77")->probe(1s);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("no node of") != std::string::npos);
}

TEST_CASE("a <module> element without name or target is refused with its line") {
  ConfigNode element;
  element.name = "module";
  element.line = 7;
  element.attributes = {{"name", "db"}};
  auto no_target = parse_module_target(element);
  REQUIRE_FALSE(no_target);
  CHECK(no_target.error().message.find("line 7") != std::string::npos);
  element.attributes.clear();
  CHECK_FALSE(parse_module_target(element));
}

TEST_CASE("a loopback address that is a node's in cluster.xml is relayed to that node, as test clusters use") {
  Root root;
  std::ofstream(root.cluster()) << "<cluster><lans><lan name=\"default\">\n"
                                   "  <node name=\"node1\" addr=\"127.0.0.1\"/>\n"
                                   "  <node name=\"node2\" addr=\"127.0.0.2\"/>\n"
                                   "</lan></lans></cluster>\n";
  FakeDaemon daemon(root.socket());
  auto seen = checker_for(root, "127.0.0.2")->probe(2s);
  REQUIRE(seen);
  CHECK(seen->reason == "module db on node node2 is ALONE Ready");
  std::lock_guard lock(daemon.mutex);
  REQUIRE(daemon.asked.size() == 1);
  CHECK(daemon.asked[0].command == "relay");
  CHECK(daemon.asked[0].args.value("node", "") == "node2");
}

TEST_CASE("the run of a module is its agent and generation while it runs, and not running in STOP and WAIT") {
  CHECK(module_run(report("ALONE", 4242, 7)) == "agent 4242, generation 7");
  CHECK(module_run(report("SECOND", 4242, 7, 3)) == "agent 4242, generation 7, start 3");
  CHECK(module_run(report("PRIM", 4242, 7)) == "agent 4242, generation 7");
  CHECK(module_run(report("WAIT", 4242, 7)) == "not running");
  CHECK(module_run(report("STOP", 0, 7)) == "not running");
}

TEST_CASE("the module checker says which run of the module answered, and none without an answer") {
  Root root;
  {
    auto silent = checker_for(root, "127.0.0.1")->probe_run(1s);
    REQUIRE(silent);
    CHECK_FALSE(silent->check.up);
    CHECK(silent->run.empty());
    CHECK(silent->thing == "module db on this node");
  }
  FakeDaemon daemon(root.socket());
  {
    std::lock_guard lock(daemon.mutex);
    daemon.pid = 4242;
    daemon.generation = 7;
  }
  auto checker = checker_for(root, "127.0.0.1");
  auto up = checker->probe_run(2s);
  REQUIRE(up);
  CHECK(up->check.up);
  CHECK(up->check.reason == "module db on this node is ALONE Ready");
  CHECK(up->run == "agent 4242, generation 7");
  {
    std::lock_guard lock(daemon.mutex);
    daemon.state = "STOP";
    daemon.substate = "NotReady";
    daemon.pid = 0;
  }
  auto stopped = checker->probe_run(2s);
  REQUIRE(stopped);
  CHECK_FALSE(stopped->check.up);
  CHECK(stopped->run == "not running");
  // probe() answers as before, for hosts that do not know runs.
  auto plain = checker->probe(2s);
  REQUIRE(plain);
  CHECK(plain->reason == "module db on this node is STOP NotReady");
}
