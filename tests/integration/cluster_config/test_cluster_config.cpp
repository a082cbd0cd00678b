// The seed's deployment of a cluster configuration: `cluster config` on one node (which makes
// the key), the key carried to the others in a zip with cluster.xml, `cluster state` to compare
// the nodes, and `-H "*" -G` to push a changed cluster.xml; a node holding another key refuses.
#include <catch2/catch.hpp>

#include <fstream>

#include "common/atomic_file.hpp"
#include "haven_test_node.hpp"

using haven::test::HavenTestNode;

namespace {

std::string cluster_xml(const std::string& extra_attributes, int nodes = 3) {
  std::string xml = "<cluster><lans port=\"29250\"" + extra_attributes + "><lan name=\"default\">";
  for (int n = 1; n <= nodes; ++n)
    xml += "<node name=\"node" + std::to_string(n) + "\" addr=\"127.0.0." + std::to_string(n) + "\"/>";
  return xml + "</lan></lans></cluster>\n";
}

std::string text_of(const std::filesystem::path& file) {
  auto text = haven::read_file(file);
  return text.ok() ? *text : std::string("(unreadable: ") + text.error().message + ")";
}

std::filesystem::path write(const HavenTestNode& node, const std::string& name, const std::string& text) {
  std::filesystem::create_directories(node.work_dir());
  auto file = node.work_dir() / name;
  std::ofstream(file) << text;
  return file;
}

nlohmann::json json_of(const haven::test::CommandResult& r) {
  INFO(r.describe());
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("a cluster.xml given to one node, its key carried in a zip, then pushed with -H \"*\" -G",
          "[integration][cluster]") {
  const auto v1 = cluster_xml("");
  HavenTestNode n1("node1", v1), n2("node2", v1), n3("node3", v1);

  // node1 applies its file: no key yet, so one is made.
  auto applied = json_of(n1.haven({"--json", "cluster", "config"}));
  CHECK(applied["ok"] == true);
  CHECK(applied["node"] == "node1");
  CHECK(applied["havend_reloaded"] == true);
  CHECK(applied["key"].get<std::string>().find("new key made") != std::string::npos);
  const auto fingerprint = applied["key_fingerprint"].get<std::string>();
  const auto signature_v1 = applied["signature"].get<std::string>();
  REQUIRE(std::filesystem::exists(n1.paths().cluster_key()));

  // The others get cluster.xml and the key in one zip, copied by the administrator.
  const auto bundle = n1.work_dir() / "cluster.zip";
  std::filesystem::create_directories(n1.work_dir());
  auto zipped = n1.run({"/usr/bin/zip", "-j", bundle.string(), n1.paths().cluster_config().string(),
                        n1.paths().cluster_key().string()});
  INFO(zipped.describe());
  REQUIRE(zipped.exit_code == 0);
  for (const HavenTestNode* node : {&n2, &n3}) {
    auto j = json_of(node->haven({"--json", "cluster", "config", bundle.string()}));
    CHECK(j["key_fingerprint"] == fingerprint);
    CHECK(j["signature"] == signature_v1);
    CHECK(j["key"] == "key installed from the zip");
    CHECK((std::filesystem::status(node->paths().cluster_key()).permissions() & std::filesystem::perms::group_read) ==
          std::filesystem::perms::none);
  }

  auto state = n1.haven({"--json", "cluster", "state"});
  auto view = json_of(state);
  CHECK(state.exit_code == 0);
  CHECK(view["consistent"] == true);
  REQUIRE(view["nodes"].size() == 3);
  for (const auto& row : view["nodes"]) {
    INFO(row.dump());
    CHECK(row["reachable"] == true);
    CHECK(row["signature"] == signature_v1);
    CHECK(row["key_fingerprint"] == fingerprint);
  }

  // A changed cluster.xml on node1 only: cluster state says the others differ.
  const auto v2 = cluster_xml(" pulse=\"200\"");
  auto changed = json_of(n1.haven({"--json", "cluster", "config", write(n1, "v2.xml", v2).string()}));
  CHECK(changed["key"] == "key kept");
  CHECK(changed["signature"] != signature_v1);
  CHECK(text_of(n1.paths().cluster_config()) == v2);
  CHECK(text_of(n1.paths().cluster_config().string() + ".previous") == v1);
  auto differs = n1.haven({"--json", "cluster", "state"});
  CHECK(differs.exit_code == 1);
  CHECK(json_of(differs)["consistent"] == false);

  // -G pushes it to every node over the authenticated channel.
  auto pushed = n1.haven({"-H", "*", "-G"});
  INFO(pushed.describe());
  CHECK(pushed.exit_code == 0);
  CHECK(text_of(n2.paths().cluster_config()) == v2);
  CHECK(text_of(n3.paths().cluster_config()) == v2);
  CHECK(text_of(n2.paths().cluster_config().string() + ".previous") == v1);
  auto again = n1.haven({"--json", "cluster", "state"});
  CHECK(again.exit_code == 0);
  CHECK(json_of(again)["consistent"] == true);

  // A node with another key refuses the push, and keeps its file.
  REQUIRE(n3.haven({"cluster", "genkey", "--force"}).exit_code == 0);
  const auto v3 = cluster_xml(" pulse=\"300\"");
  REQUIRE(n1.haven({"cluster", "config", write(n1, "v3.xml", v3).string()}).exit_code == 0);
  auto refused = n1.haven({"-H", "node3", "-G"});
  INFO(refused.describe());
  CHECK(refused.exit_code != 0);
  CHECK(text_of(n3.paths().cluster_config()) == v2);
  auto n3_view = json_of(n1.haven({"--json", "cluster", "state"}));
  CHECK(n3_view["consistent"] == false);

  // deconfig: the node's files go (cluster.xml kept aside), and havend runs on.
  auto gone = n3.haven({"cluster", "deconfig"});
  INFO(gone.describe());
  CHECK(gone.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(n3.paths().cluster_config()));
  CHECK_FALSE(std::filesystem::exists(n3.paths().cluster_key()));
  CHECK(text_of(n3.paths().cluster_config().string() + ".previous") == v2);
  CHECK(n3.haven({"state"}).exit_code == 0);
}

TEST_CASE("cluster config refuses a file that is wrong or does not name this node, and changes nothing",
          "[integration][cluster]") {
  const auto v1 = cluster_xml("");
  HavenTestNode n1("node1", v1);

  const auto bad = write(n1, "bad.xml", "<cluster><lans>\n<lan name=\"default\">\n<node addr=\"127.0.0.1\"/>\n</lan></lans></cluster>\n");
  auto checked = n1.haven({"cluster", "confcheck", bad.string()});
  CHECK(checked.exit_code == 1);
  CHECK(checked.err.find("bad.xml:3") != std::string::npos);

  auto not_mine = n1.haven({"cluster", "config", write(n1, "other.xml", cluster_xml("", 1).replace(
                                                                         cluster_xml("", 1).find("node1"), 5, "nodeX")).string()});
  CHECK(not_mine.exit_code == 1);
  CHECK(not_mine.err.find("does not name this node (node1)") != std::string::npos);
  CHECK(not_mine.err.find("nodeX") != std::string::npos);
  CHECK(text_of(n1.paths().cluster_config()) == v1);
  CHECK_FALSE(std::filesystem::exists(n1.paths().cluster_key()));

  auto good = n1.haven({"--json", "cluster", "confcheck", write(n1, "good.xml", cluster_xml(" pulse=\"250\"")).string()});
  CHECK(good.exit_code == 0);
  CHECK(json_of(good)["nodes"].size() == 3);
  CHECK(text_of(n1.paths().cluster_config()) == v1);

  auto no_target = n1.haven({"-G"});
  CHECK(no_target.exit_code != 0);
  CHECK(no_target.err.find("-H") != std::string::npos);
}
