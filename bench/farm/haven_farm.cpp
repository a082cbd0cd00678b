#include "haven_farm.hpp"

#include <thread>

#include "client_addresses.hpp"
#include "web_module.hpp"

namespace haven::bench {
namespace {

using namespace std::chrono_literals;
using netns_failover::Clock;
using netns_failover::FailoverPair;

Status start_everywhere(FailoverPair& farm) {
  for (int n = 1; n <= farm.nodes(); ++n) {
    auto r = farm.haven(n, {"start", "-m", kFarmModule, "--no-wait"});
    if (!r.ok()) return fail(Errc::internal, "haven start -m " + std::string(kFarmModule) + " on node" +
                                                 std::to_string(n) + " failed: " + r.describe());
  }
  for (int n = 1; n <= farm.nodes(); ++n) {
    auto s = farm.wait_for(n, "UP", "Ready", 30s);
    if (s.describe() != "UP Ready")
      return fail(Errc::timeout, "node" + std::to_string(n) + " of the farm was not UP Ready within 30 s (it is " +
                                     s.describe() + ")\n" + farm_logs(farm));
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<FailoverPair>> start_haven_farm(const HavenFarmSpec& spec) {
  netns_failover::PairSpec pair;
  pair.name = spec.name;
  pair.build_dir = spec.build_dir;
  pair.nodes = kFarmNodes;
  pair.lans = 1;
  netns_failover::FarmWebSettings web;
  web.vip = "198.51.100.50";  // lan1 spare 0, as for the mirror tests
  web.nodes = kFarmNodes;
  web.pulse = spec.pulse;
  web.slost_count = spec.slost_count;
  web.mlost_count = spec.mlost_count;
  pair.module.vip = web.vip;
  pair.custom_module = netns_failover::PairModule{
      kFarmModule, {netns_failover::farm_web_userconfig(web), netns_failover::farm_web_hooks()}};
  auto made = FailoverPair::create(pair);
  if (!made) return std::move(made).error();
  auto farm = std::move(made).value();

  std::vector<std::string> nodes;
  for (int n = 1; n <= kFarmNodes; ++n) nodes.push_back(FailoverPair::node_name(n));
  if (auto st = add_client_sources(farm->cluster(), spec.sources, nodes); !st) return std::move(st).error();
  if (auto st = start_everywhere(*farm); !st) return std::move(st).error();
  if (auto st = wait_for_deal(*farm, {1, 2, 3}, 15s); !st) return std::move(st).error();
  return farm;
}

int owned_buckets(FailoverPair& farm, int n) {
  auto s = farm.state(n);
  auto load = s.raw.find("load");
  if (load == s.raw.end() || !load->is_array() || load->empty()) return -1;
  return (*load)[0].value("owned", -1);
}

Status wait_for_deal(FailoverPair& farm, const std::set<int>& serving, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string seen;
  while (true) {
    int total = 0;
    bool others_idle = true;
    seen.clear();
    for (int n = 1; n <= farm.nodes(); ++n) {
      const int owned = owned_buckets(farm, n);
      seen += " node" + std::to_string(n) + "=" + std::to_string(owned);
      if (serving.count(n)) total += std::max(owned, 0);
      else if (owned > 0) others_idle = false;
    }
    if (total == 256 && others_idle) return ok_status();
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(100ms);
  }
  std::string want;
  for (int n : serving) want += " node" + std::to_string(n);
  return fail(Errc::timeout, "the farm's 256 buckets were not dealt over" + want + " within " +
                                 std::to_string(timeout.count()) + " ms (owned:" + seen + ")\n" + farm_logs(farm));
}

std::string farm_logs(FailoverPair& farm) {
  std::string out;
  for (int n = 1; n <= farm.nodes(); ++n) out += farm.describe_node(n, 15);
  return out;
}

}  // namespace haven::bench
