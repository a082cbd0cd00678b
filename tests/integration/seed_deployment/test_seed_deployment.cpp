// The deployment sequence of the seed product's documentation, end to end on three nodes that
// start from nothing but haven's files: one cluster.xml written on node1, its key carried to
// the others once (the only copy by hand), then only `safekit` commands.
#include <catch2/catch.hpp>

#include <fstream>

#include "common/atomic_file.hpp"
#include "haven_test_node.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using namespace std::chrono_literals;

namespace {

// Every node on lan "default" (commands); the mirror pair node1-node2 on lan "pair" of its own.
const std::string kCluster =
    "<cluster><lans port=\"29350\">"
    "<lan name=\"default\" command=\"on\"><node name=\"node1\" addr=\"127.0.0.1\"/>"
    "<node name=\"node2\" addr=\"127.0.0.2\"/><node name=\"node3\" addr=\"127.0.0.3\"/></lan>"
    "<lan name=\"pair\"><node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/></lan>"
    "</lans></cluster>\n";

const std::string kUserconfig =
    "<!DOCTYPE safe>\n<safe><service mode=\"mirror\">\n"
    "<heart port=\"29351\" pulse=\"200ms\" timeout=\"2s\"><heartbeat name=\"pair\"/></heart>\n"
    "<user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>\n</service></safe>\n";

haven::test::CommandResult safekit(const HavenTestNode& node, std::vector<std::string> args,
                                   std::chrono::milliseconds timeout = 60s) {
  std::vector<std::string> argv{haven::test::build_program("safekit").string(), "--root", node.root().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return node.run(argv, {}, timeout);
}

#define RUN_OK(node, ...)                   \
  do {                                      \
    auto r_ = safekit(node, __VA_ARGS__);   \
    INFO(r_.describe());                    \
    REQUIRE(r_.exit_code == 0);             \
  } while (false)

}  // namespace

TEST_CASE("the seed's scripted deployment works as printed, from nothing but one cluster.xml",
          "[integration][deployment]") {
  HavenTestNode n1("node1", ""), n2("node2", ""), n3("node3", "");

  // safekit cluster config: node1's cluster.xml checked and applied, its key made.
  std::filesystem::create_directories(n1.work_dir());
  const auto xml = n1.work_dir() / "cluster.xml";
  std::ofstream(xml) << kCluster;
  RUN_OK(n1, {"cluster", "config", xml.string()});
  // The key travels once, by hand, with cluster.xml (docs/operations.md).
  const auto bundle = n1.work_dir() / "cluster.zip";
  {
    auto zipped = n1.run({"/usr/bin/zip", "-j", bundle.string(), n1.paths().cluster_config().string(),
                          n1.paths().cluster_key().string()});
    INFO(zipped.describe());
    REQUIRE(zipped.exit_code == 0);
  }
  RUN_OK(n2, {"cluster", "config", bundle.string()});
  RUN_OK(n3, {"cluster", "config", bundle.string()});

  // safekit -H "*" -G
  RUN_OK(n1, {"-H", "*", "-G"});
  RUN_OK(n1, {"cluster", "state"});

  // safekit module install -m AM x.safe, then the administrator edits userconfig.xml.
  const auto archive =
      haven::test::pack_module(n1.work_dir(), "AM", {kUserconfig, haven::test::recording_hooks()});
  RUN_OK(n1, {"module", "install", "-m", "AM", archive.string()});
  const auto installed = n1.paths().module_dir("AM") / "conf" / "userconfig.xml";
  auto text = haven::read_file(installed);
  REQUIRE(text.ok());
  const auto at = text->find("pulse=\"200ms\"");
  REQUIRE(at != std::string::npos);
  text->replace(at, std::string("pulse=\"200ms\"").size(), "pulse=\"100ms\"");
  REQUIRE(haven::write_file_atomically(installed, *text).ok());

  // safekit -H "*" -E AM: every node gets node1's module, same id, configured.
  RUN_OK(n1, {"-H", "*", "-E", "AM"});
  const auto ids = n1.haven_json({"module", "list"});
  REQUIRE(ids.size() == 1);
  const int id = ids[0].value("id", -1);
  for (const HavenTestNode* node : {&n2, &n3}) {
    auto list = node->haven_json({"module", "list"});
    REQUIRE(list.size() == 1);
    CHECK(list[0].value("name", "") == "AM");
    CHECK(list[0].value("id", -2) == id);
    auto copy = haven::read_file(node->paths().module_dir("AM") / "conf" / "userconfig.xml");
    REQUIRE(copy.ok());
    CHECK(*copy == *text);
    auto info = node->haven_json({"confinfo", "-m", "AM"});
    CHECK(info.value("differs", true) == false);
  }

  // safekit prim -m AM; safekit -H "node2" second -m AM; safekit waitstart -m AM
  RUN_OK(n1, {"prim", "-m", "AM"});
  RUN_OK(n1, {"-H", "node2", "second", "-m", "AM"});
  RUN_OK(n1, {"waitstart", "-m", "AM"});
  auto prim = n1.wait_for_state("AM", "PRIM", "Ready", 30s);
  INFO(prim.dump());
  CHECK(prim.value("state", "") == "PRIM");
  auto second = n2.wait_for_state("AM", "SECOND", "Ready", 30s);
  INFO(second.dump());
  CHECK(second.value("state", "") == "SECOND");
  CHECK(n3.module_state("AM").value("state", "") == "STOP");
  const auto prim_record = haven::test::read_lines(n1.record_file("AM"));
  CHECK(std::find(prim_record.begin(), prim_record.end(), "start_prim WAIT ALONE start") != prim_record.end());
  const auto second_record = haven::test::read_lines(n2.record_file("AM"));
  CHECK(std::find_if(second_record.begin(), second_record.end(), [](const std::string& line) {
          return line.rfind("start_second", 0) == 0;
        }) != second_record.end());

  RUN_OK(n1, {"-H", "node1,node2", "stop", "-m", "AM"});
}
