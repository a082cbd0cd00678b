#include "failover_series.hpp"

#include <chrono>
#include <functional>

#include "failover_pair.hpp"
#include "keepalived_pair.hpp"
#include "vip_poller.hpp"

namespace haven::bench {
namespace {

using namespace std::chrono_literals;
using netns_failover::Clock;
using netns_failover::served_by;
using netns_failover::VipPoller;

// What both stacks offer a measurement.
struct Subject {
  cluster::NetnsCluster* cluster = nullptr;
  std::string client_netns;
  std::string vip;
  std::function<Result<Clock::time_point>()> kill_node1;
  std::function<std::string()> describe;
};

Result<double> measure(Subject& s, Fault fault, const SeriesSettings& settings) {
  auto started = VipPoller::start({.netns = s.client_netns,
                                   .address = s.vip,
                                   .interval = std::chrono::milliseconds(settings.poll_interval_ms),
                                   .request_timeout = std::chrono::milliseconds(settings.request_timeout_ms)});
  if (!started) return std::move(started).error();
  auto& poller = *started.value();
  if (!poller.wait_for_answer(served_by("node1"), Clock::now(), 15s))
    return fail(Errc::timeout, "the client was never served by node1 at " + s.vip + " within 15 s\n" + s.describe());

  Clock::time_point fault_at;
  if (fault == Fault::kill) {
    auto killed = s.kill_node1();
    if (!killed) return std::move(killed).error();
    fault_at = *killed;
  } else {
    if (auto st = s.cluster->cut_link("node1"); !st) return std::move(st).error();
    fault_at = Clock::now();  // the switch's port is down once cut_link returns
  }
  auto answer = poller.wait_for_answer(served_by("node2"), fault_at, 20s);
  if (!answer) return fail(Errc::timeout, "the client was not served by node2 within 20 s of the fault\n" + s.describe());
  return std::chrono::duration<double, std::milli>(answer->answered - fault_at).count();
}

Result<double> measure_haven(Fault fault, const SeriesSettings& settings) {
  netns_failover::PairSpec spec;
  spec.name = fault == Fault::kill ? "bhk" : "bhc";
  spec.build_dir = settings.build_dir;
  spec.module.pulse = settings.pulse;
  spec.module.timeout = settings.timeout;
  auto made = netns_failover::FailoverPair::create(spec);
  if (!made) return std::move(made).error();
  auto& pair = *made.value();
  if (auto up = pair.pair_up(); !up) return std::move(up).error();
  Subject s{&pair.cluster(), pair.netns("client1"), pair.vip(), [&] { return pair.kill_node(1); },
            [&] { return pair.describe_node(1, 15) + pair.describe_node(2, 15); }};
  return measure(s, fault, settings);
}

Result<double> measure_keepalived(Fault fault, const SeriesSettings& settings) {
  auto made = KeepalivedPair::create({.name = fault == Fault::kill ? "bkk" : "bkc", .advert_int = settings.advert_int});
  if (!made) return std::move(made).error();
  auto& pair = *made.value();
  Subject s{&pair.cluster(), pair.netns("client1"), pair.vip(), [&] { return pair.kill_node(1); },
            [&] { return "keepalived node1 " + pair.vrrp_state(1) + ", node2 " + pair.vrrp_state(2) + " (logs in " +
                         pair.work_dir().string() + ")"; }};
  return measure(s, fault, settings);
}

}  // namespace

const char* to_string(Stack stack) { return stack == Stack::haven ? "haven" : "keepalived"; }
const char* to_string(Fault fault) { return fault == Fault::kill ? "kill -9" : "link cut"; }

Result<double> measure_failover(Stack stack, Fault fault, const SeriesSettings& settings) {
  return stack == Stack::haven ? measure_haven(fault, settings) : measure_keepalived(fault, settings);
}

}  // namespace haven::bench
