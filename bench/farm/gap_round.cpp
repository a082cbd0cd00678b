#include "gap_round.hpp"

#include <functional>
#include <thread>

#include "client_addresses.hpp"
#include "client_gap.hpp"
#include "haproxy_director.hpp"
#include "haven_farm.hpp"
#include "host_probe.hpp"
#include "vip_poller.hpp"

namespace haven::bench {
namespace {

using namespace std::chrono_literals;
using netns_failover::VipPoller;

// What either director offers a round.
struct Subject {
  cluster::NetnsCluster* cluster = nullptr;
  std::string client_netns;
  std::string address;
  std::function<std::string(const std::string&)> netns_of;  ///< host name -> ip netns name
  std::function<std::string()> describe;                    ///< logs, for failure messages
};

std::string node_name(int n) { return "node" + std::to_string(n); }

// Waits until every source has been answered since `since` (10 s at most).
Status wait_all_served(const VipPoller& poller, std::size_t sources, Clock::time_point since, const Subject& s) {
  const auto deadline = Clock::now() + 10s;
  std::size_t served = 0;
  while (Clock::now() < deadline) {
    served = servers_by_source(poller.answers_since(since)).size();
    if (served == sources) return ok_status();
    std::this_thread::sleep_for(50ms);
  }
  return fail(Errc::timeout, "only " + std::to_string(served) + " of the " + std::to_string(sources) +
                                 " client addresses were served at " + s.address + " within 10 s\n" + s.describe());
}

Result<GapRound> measure(const Subject& s, int victim, const GapSettings& settings) {
  const auto sources = lan1_client_sources();
  auto started = VipPoller::start({.netns = s.client_netns,
                                   .address = s.address,
                                   .interval = settings.interval,
                                   .request_timeout = settings.request_timeout,
                                   .sources = sources});
  if (!started) return std::move(started).error();
  VipPoller& poller = *started.value();
  if (auto st = wait_all_served(poller, sources.size(), Clock::now(), s); !st) return std::move(st).error();

  // Who serves whom while nothing changes: a second of requests (about 19 per source at 2 ms).
  const auto observed_from = Clock::now();
  std::this_thread::sleep_for(1s);
  const std::string dead = node_name(victim);
  const auto dead_clients = clients_of(poller.answers_since(observed_from), dead);
  if (dead_clients.empty())
    return fail(Errc::internal, "none of the " + std::to_string(sources.size()) + " client addresses was served by " +
                                    dead + " before it died: nothing to measure\n" + s.describe());

  const auto before = poller.counts();
  const auto window_from = Clock::now();
  // The cable first: a dead machine neither answers nor resets, while a namespace's kernel
  // outlives its processes and would refuse the clients with resets until it is cut off.
  // The clock starts once the switch's port is down; then every process goes.
  if (auto st = s.cluster->cut_link(dead); !st) return std::move(st).error();
  const auto death = Clock::now();
  if (auto killed = netns_failover::kill_namespace_processes(s.netns_of(dead)); !killed)
    return std::move(killed).error();

  std::this_thread::sleep_until(window_from + settings.window);
  const auto after = poller.counts();
  const auto window_to = Clock::now();
  // Every request of the window has ended (answered or timed out) after one more request_timeout.
  const auto settled = window_to + settings.request_timeout + 50ms;
  const auto deadline = death + settings.give_up;
  GapFigure gap;
  while (true) {
    gap = longest_gap(dead_clients, poller.answers_since(observed_from), death, dead);
    const auto now = Clock::now();
    if ((gap.unanswered.empty() && now >= settled) || now >= std::max(deadline, settled)) break;
    std::this_thread::sleep_for(20ms);
  }
  poller.stop();
  if (!gap.unanswered.empty()) {
    std::string who;
    for (const auto& c : gap.unanswered) who += " " + c;
    return fail(Errc::timeout, "clients of " + dead + " were not served by another node within " +
                                   std::to_string(settings.give_up.count()) + " ms of its death:" + who + "\n" +
                                   s.describe());
  }
  long answered_in_window = 0;
  for (const auto& a : poller.answers_since(window_from))
    if (a.sent < window_to) ++answered_in_window;
  GapRound round;
  round.longest_ms = gap.longest_ms;
  round.slowest_source = gap.slowest_source;
  round.dead_clients = gap.clients;
  round.clients = sources.size();
  round.sent = after.sent - before.sent;
  round.failed_share = failed_share(round.sent, answered_in_window);
  return round;
}

Result<GapRound> measure_haven(const GapSeries& series, const GapSettings& settings, const std::string& name) {
  auto made = start_haven_farm({.name = name,
                                .build_dir = settings.build_dir,
                                .pulse = std::to_string(series.pulse_ms) + "ms",
                                .slost_count = series.slost_count,
                                .mlost_count = series.mlost_count,
                                .sources = lan1_client_sources()});
  if (!made) return std::move(made).error();
  auto& farm = *made.value();
  Subject s{&farm.cluster(), farm.netns("client1"), farm.vip(), [&](const std::string& host) { return farm.netns(host); },
            [&] { return farm_logs(farm); }};
  return measure(s, series.victim, settings);
}

Result<GapRound> measure_haproxy(const GapSeries& series, const GapSettings& settings, const std::string& name) {
  auto made = HaproxyDirector::create(name, lan1_client_sources());
  if (!made) return std::move(made).error();
  auto& director = *made.value();
  Subject s{&director.cluster(), director.netns("client1"), director.address(),
            [&](const std::string& host) { return director.netns(host); }, [&] { return director.log_tail(); }};
  return measure(s, series.victim, settings);
}

}  // namespace

Result<GapRound> measure_gap_round(const GapSeries& series, const GapSettings& settings,
                                   const std::string& cluster_name) {
  return series.director == Director::haven ? measure_haven(series, settings, cluster_name)
                                            : measure_haproxy(series, settings, cluster_name);
}

}  // namespace haven::bench
