#include "farm_load.hpp"

#include <stdlib.h>

#include <fstream>
#include <thread>

#include "client_addresses.hpp"
#include "client_gap.hpp"
#include "haproxy_director.hpp"
#include "haven_farm.hpp"
#include "nft_bucket.hpp"
#include "vip_poller.hpp"
#include "web_module.hpp"

namespace haven::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using netns_failover::FailoverPair;
using netns_failover::VipPoller;

// Each source sends about five requests (152 sources, one every 2 ms, 1.6 s).
Result<ClientSpread> measure_spread(FailoverPair& farm, const std::vector<std::string>& sources) {
  ClientSpread out;
  out.clients = sources.size();
  for (int n = 1; n <= farm.nodes(); ++n) out.owned_buckets[FailoverPair::node_name(n)] = owned_buckets(farm, n);
  auto started = VipPoller::start({.netns = farm.netns("client1"),
                                   .address = farm.vip(),
                                   .interval = 2ms,
                                   .request_timeout = 1000ms,
                                   .sources = sources});
  if (!started) return std::move(started).error();
  const auto from = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * 5 * static_cast<long>(sources.size())));
  const auto to = Clock::now();
  std::this_thread::sleep_for(1100ms);  // the last requests end
  (*started)->stop();
  std::vector<HttpAnswer> answers;
  for (const auto& a : (*started)->answers_since(from))
    if (a.sent < to) answers.push_back(a);
  const auto by_source = servers_by_source(answers);
  for (const auto& [source, nodes] : by_source) {
    if (nodes.size() == 1) ++out.per_node[*nodes.begin()];
    else ++out.on_several;
  }
  out.unserved = sources.size() - by_source.size();
  out.predicted = predicted_clients(sources, farm.nodes());
  return out;
}

Result<LoadRow> load_row(const std::string& label, const std::string& netns, const std::string& address,
                         const std::vector<std::string>& sources, const FarmLoadSettings& settings) {
  std::fprintf(stderr, "load: %s (%lld ms, %d connections)\n", label.c_str(),
               static_cast<long long>(settings.duration.count()), settings.connections);
  auto load = run_http_load({.netns = netns,
                             .address = address,
                             .sources = sources,
                             .connections = settings.connections,
                             .duration = settings.duration});
  if (!load) return std::move(load).error();
  return LoadRow{label, *load};
}

Status stop_module(FailoverPair& farm, int n, const std::set<int>& serving) {
  auto r = farm.haven(n, {"stop", "-m", kFarmModule});
  if (!r.ok()) return fail(Errc::internal, "haven stop -m " + std::string(kFarmModule) + " on node" +
                                               std::to_string(n) + " failed: " + r.describe());
  return wait_for_deal(farm, serving, 15s);
}

// The same server as the module's, on node3's plain address, once the module stopped there.
Status start_lone_server(FailoverPair& farm, const fs::path& www) {
  std::error_code ec;
  fs::create_directories(www, ec);
  std::ofstream(www / "index.html") << netns_failover::served_by("node3") << "\n";
  const auto address = farm.cluster().layout().find("node3")->ipv4();
  auto web = farm.cluster().spawn("node3",
                                  {"/usr/bin/python3", "-m", "http.server", "--bind", address, "--directory",
                                   www.string(), std::to_string(netns_failover::kWebPort)},
                                  {}, www / "http.log");
  if (!web) return std::move(web).error();
  auto poller = VipPoller::start({.netns = farm.netns("client1"), .address = address, .interval = 50ms});
  if (!poller) return std::move(poller).error();
  if (!(*poller)->wait_for_answer("served by node3", Clock::now(), 10s))
    return fail(Errc::timeout, "the lone web server on " + address + " (node3) did not answer within 10 s; its log: " +
                                   (www / "http.log").string());
  return ok_status();
}

Status measure_farm_rows(const FarmLoadSettings& settings, FarmLoadReport& report) {
  const auto sources = wide_client_sources();
  std::fprintf(stderr, "load: building a 3-node farm (default counts)\n");
  auto made = start_haven_farm({.name = "bfload", .build_dir = settings.build_dir, .sources = sources});
  if (!made) return std::move(made).error();
  auto& farm = *made.value();
  auto spread = measure_spread(farm, sources);
  if (!spread) return std::move(spread).error();
  report.spread = *spread;

  const auto client = farm.netns("client1");
  auto row = load_row("haven farm, 3 nodes UP (VIP)", client, farm.vip(), sources, settings);
  if (!row) return std::move(row).error();
  report.rows.push_back(*row);
  if (auto st = stop_module(farm, 3, {1, 2}); !st) return st;
  row = load_row("haven farm, 2 nodes UP (VIP)", client, farm.vip(), sources, settings);
  if (!row) return std::move(row).error();
  report.rows.push_back(*row);
  if (auto st = stop_module(farm, 2, {1}); !st) return st;
  row = load_row("haven farm, 1 node UP (VIP)", client, farm.vip(), sources, settings);
  if (!row) return std::move(row).error();
  report.rows.push_back(*row);

  std::string tmpl = "/tmp/hvlone.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::io_error, "cannot make a folder under /tmp (mkdtemp " + tmpl + ")");
  const fs::path www = tmpl;
  auto lone = start_lone_server(farm, www);
  if (lone) {
    const auto address = farm.cluster().layout().find("node3")->ipv4();
    row = load_row("one web server alone (" + address + ", no haven)", client, address, sources, settings);
    if (row) report.rows.push_back(*row);
  }
  made.value().reset();  // the cluster (and the lone server in it) goes before its folder
  std::error_code ec;
  fs::remove_all(www, ec);
  if (!lone) return lone;
  if (!row) return std::move(row).error();
  return ok_status();
}

}  // namespace

Result<FarmLoadReport> measure_farm_load(const FarmLoadSettings& settings) {
  FarmLoadReport report;
  if (auto st = measure_farm_rows(settings, report); !st) return std::move(st).error();
  if (settings.with_haproxy) {
    std::fprintf(stderr, "load: building HAProxy in front of three web servers\n");
    const auto sources = wide_client_sources();
    auto director = HaproxyDirector::create("bfhload", sources);
    if (!director) return std::move(director).error();
    auto row = load_row("HAProxy director, 3 servers", (*director)->netns("client1"), (*director)->address(), sources,
                        settings);
    if (!row) return std::move(row).error();
    report.rows.push_back(*row);
  }
  return report;
}

}  // namespace haven::bench
