// Moving the primary on purpose: swap, and defaultprim's swap back.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "mirror_pair_nodes.hpp"
#include "pair_ports.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::MirrorPairNodes;
using haven::test::MirrorPairSettings;
using haven::test::PolledState;
namespace ports = haven::test::ports;

namespace {

struct Sample {
  int node;
  PolledState state;
};

// Polls alternate between the nodes, so two samples are never taken at the same moment.
// Sample i shows both nodes primary for sure only when the other node was primary at the
// samples just before and just after it (roles move forward, they do not flicker back).
std::vector<std::string> moments_with_two_primaries(const std::vector<Sample>& samples) {
  std::vector<std::string> found;
  for (std::size_t i = 1; i + 1 < samples.size(); ++i) {
    if (samples[i].state.primary() && samples[i - 1].state.primary() && samples[i + 1].state.primary())
      found.push_back("sample " + std::to_string(i) + ": node" + std::to_string(samples[i].node) + " " +
                      samples[i].state.state + " between node" + std::to_string(samples[i - 1].node) + " " +
                      samples[i - 1].state.state + " and " + samples[i + 1].state.state);
  }
  return found;
}

std::string describe(const std::vector<Sample>& samples) {
  std::string out;
  for (const auto& s : samples) out += "node" + std::to_string(s.node) + " " + s.state.state + " " + s.state.substate + "\n";
  return out;
}

std::ptrdiff_t line_index(const std::vector<std::string>& lines, const std::string& line) {
  auto it = std::find(lines.begin(), lines.end(), line);
  return it == lines.end() ? -1 : it - lines.begin();
}

}  // namespace

TEST_CASE("swap moves the primary to the SECOND with no moment where both nodes are primary, and the old "
          "primary's stop_prim ends before the new primary's start_prim",
          "[integration][pair]") {
  MirrorPairSettings settings;
  settings.heart_port = ports::kSwap;
  settings.cluster_port = ports::cluster_port(ports::kSwap);
  settings.shared_record = "/tmp/hvpair-swap-" + std::to_string(::getpid()) + ".log";
  std::filesystem::remove(settings.shared_record);
  MirrorPairNodes pair(settings);
  pair.pair_up();
  std::filesystem::remove(settings.shared_record);

  haven::test::ChildSpec swap;
  swap.argv = {haven::test::build_program("haven").string(), "--root", pair.node1().root().string(), "swap", "-m",
               MirrorPairNodes::kModule};
  swap.env = {{"HAVEN_ROOT", std::nullopt}, {"SAFEMODULE", std::nullopt}};
  swap.stdout_file = pair.node1().work_dir() / "swap.out";
  swap.stderr_file = pair.node1().work_dir() / "swap.err";
  const pid_t swapping = haven::test::spawn_child(swap);
  REQUIRE(swapping > 0);

  std::vector<Sample> samples;
  std::optional<int> swap_exit;
  const bool settled = haven::test::wait_until(
      [&] {
        for (int n : {1, 2}) samples.push_back({n, pair.poll(n)});
        if (!swap_exit) swap_exit = haven::test::wait_child(swapping, 0ms);
        const auto& a = samples[samples.size() - 2].state;
        const auto& b = samples.back().state;
        return swap_exit && a.state == "SECOND" && a.substate == "Ready" && b.state == "PRIM" && b.substate == "Ready";
      },
      30s, 1ms);
  if (!swap_exit) swap_exit = haven::test::wait_child(swapping, 10s);
  INFO("haven swap: exit " << swap_exit.value_or(-1) << "\n" << haven::test::slurp(swap.stdout_file)
                           << haven::test::slurp(swap.stderr_file));
  INFO("states polled:\n" << describe(samples));
  REQUIRE(settled);
  CHECK(swap_exit == 0);
  // At least two rounds of both nodes (on a loaded machine a poll takes as long as the swap);
  // the order of the hooks below is the strict proof.
  CHECK(samples.size() >= 4);
  CHECK(moments_with_two_primaries(samples).empty());

  const auto shared = haven::test::read_lines(settings.shared_record);
  std::filesystem::remove(settings.shared_record);
  INFO("hooks of both nodes, in order:\n" << [&] {
    std::string s;
    for (const auto& l : shared) s += l + "\n";
    return s;
  }());
  const auto old_stopped = line_index(shared, "node1 stop_prim force PRIM SECOND stop");
  const auto new_started = line_index(shared, "node2 start_prim SECOND PRIM start");
  CHECK(old_stopped >= 0);
  CHECK(new_started >= 0);
  CHECK(old_stopped < new_started);
}

TEST_CASE("defaultprim names node1: after a failover to node2, node1 is primary again once it rejoins in sync",
          "[integration][pair]") {
  MirrorPairSettings settings;
  settings.heart_port = ports::kDefaultprim;
  settings.cluster_port = ports::cluster_port(ports::kDefaultprim);
  settings.service_attributes = "defaultprim=\"node1\"";
  MirrorPairNodes pair(settings);
  pair.pair_up();

  REQUIRE(pair.kill_agent(1));
  REQUIRE(pair.wait_for(2, "ALONE", "Ready").value("state", "") == "ALONE");

  auto start = pair.command(1, "start");
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  auto s1 = pair.wait_for(1, "PRIM", "Ready");
  auto s2 = pair.wait_for(2, "SECOND", "Ready");
  INFO("node1 " << s1.dump() << "\nnode2 " << s2.dump() << "\nnode2 log:\n" << pair.module_log(2));
  CHECK(s1.value("state", "") == "PRIM");
  CHECK(s2.value("state", "") == "SECOND");
  CHECK_THAT(pair.module_log(2), Catch::Contains("SWAP from defaultprim"));
}
