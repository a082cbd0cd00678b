#include "three_node_cluster.hpp"

#include <fstream>
#include <stdexcept>

#include "test_module.hpp"

namespace haven::test {
namespace {

void require(const CommandResult& r, const std::string& what) {
  if (r.exit_code != 0) throw std::runtime_error(what + " failed: " + r.describe());
}

}  // namespace

std::string ThreeNodeCluster::cluster_xml(int cluster_port) {
  return "<cluster><lans port=\"" + std::to_string(cluster_port) + "\">"
         "<lan name=\"default\"><node name=\"node1\" addr=\"localhost\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
         "<node name=\"node3\" addr=\"127.0.0.3\"/></lan>"
         "<lan name=\"node1-node2\"><node name=\"node1\" addr=\"localhost\"/><node name=\"node2\" addr=\"127.0.0.2\"/></lan>"
         "<lan name=\"node2-node3\"><node name=\"node2\" addr=\"127.0.0.2\"/><node name=\"node3\" addr=\"127.0.0.3\"/></lan>"
         "</lans></cluster>\n";
}

ThreeNodeCluster::ThreeNodeCluster(int cluster_port) {
  for (int n = 1; n <= 3; ++n)
    nodes_.at(static_cast<std::size_t>(n - 1)) =
        std::make_unique<HavenTestNode>("node" + std::to_string(n), cluster_xml(cluster_port));
  require(node(1).haven({"cluster", "genkey"}), "haven cluster genkey on node1");
  for (int n : {2, 3}) {
    std::filesystem::copy_file(node(1).paths().cluster_key(), node(n).paths().cluster_key(),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(node(n).paths().cluster_key(),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
}

void ThreeNodeCluster::install(const std::string& module, int id, const MirrorPairSettings& settings,
                               std::initializer_list<int> nodes) {
  for (int n : nodes) {
    auto archive = pack_module(node(n).work_dir(), module, {MirrorPairNodes::userconfig(settings), recording_hooks()});
    require(node(n).haven({"module", "install", "-m", module, "-M", std::to_string(id), archive.string()}),
            "haven module install -m " + module + " on node" + std::to_string(n));
  }
}

CommandResult ThreeNodeCluster::command(int n, const std::string& cmd, const std::string& module) {
  return node(n).haven({cmd, "-m", module}, {}, std::chrono::seconds(60));
}

PolledState ThreeNodeCluster::poll(int n, const std::string& module) {
  auto r = node(n).haven({"--json", "state", "-m", module}, {}, std::chrono::seconds(10));
  try {
    auto j = nlohmann::json::parse(r.out);
    if (j.is_array() && !j.empty()) return {j[0].value("state", "?"), j[0].value("substate", "")};
  } catch (const nlohmann::json::exception&) {
  }
  return {"?", ""};
}

std::vector<std::string> ThreeNodeCluster::take_hook_record(int n, const std::string& module) {
  const auto file = node(n).record_file(module);
  auto lines = read_lines(file);
  std::ofstream(file, std::ios::trunc);
  return lines;
}

}  // namespace haven::test
