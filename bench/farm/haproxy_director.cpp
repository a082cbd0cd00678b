#include "haproxy_director.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "client_addresses.hpp"
#include "client_gap.hpp"
#include "command_runner.hpp"
#include "host_probe.hpp"
#include "vip_poller.hpp"
#include "web_module.hpp"

namespace haven::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using DirectorClock = std::chrono::steady_clock;

// The farm's VIP in the haven runs (lan1 spare 0), so that the client sends to the same address.
constexpr int kDirectorSpare = 0;

std::string haproxy_program() {
  for (const char* p : {"/usr/sbin/haproxy", "/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

std::string tail_of(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

}  // namespace

std::string haproxy_config(const std::string& bind_address, const std::vector<BackendServer>& servers) {
  // Every time is the shortest that still means something at a 100 ms check interval: a
  // connection to a dead server is given up after 100 ms and retried on another one
  // (redispatch on every retry), and one failed check (a TCP connect) marks a server down.
  std::string cfg =
      "# haven bench_farm: HAProxy as the director of the farm's three web servers\n"
      "global\n"
      "    maxconn 4096\n"
      "    hard-stop-after 2s\n"
      "\n"
      "defaults\n"
      "    mode http\n"
      "    option redispatch 1\n"
      "    retries 3\n"
      "    timeout connect 100ms\n"
      "    timeout check 100ms\n"
      "    timeout queue 1s\n"
      "    timeout client 5s\n"
      "    timeout server 2s\n"
      "\n"
      "frontend farm\n"
      "    bind " + bind_address + ":" + std::to_string(netns_failover::kWebPort) + "\n"
      "    default_backend web\n"
      "\n"
      "backend web\n"
      "    balance source\n"
      "    hash-type consistent\n"
      "    default-server check inter 100ms fall 1 rise 1\n";
  for (const auto& s : servers)
    cfg += "    server " + s.name + " " + s.address + ":" + std::to_string(netns_failover::kWebPort) + "\n";
  return cfg;
}

Status haproxy_available() {
  if (haproxy_program().empty())
    return fail(Errc::not_found, "haproxy is not installed (looked in /usr/sbin, /sbin, /usr/local/sbin, /usr/bin): "
                                 "run scripts/install-deps.sh as root (Debian package haproxy)");
  return ok_status();
}

std::string haproxy_version() {
  const auto program = haproxy_program();
  if (program.empty()) return "haproxy (version unknown)";
  const auto out = cluster::run_command({program, "-v"}, 5s);
  const auto line = out.out.substr(0, out.out.find('\n'));
  return line.empty() ? "haproxy (version unknown)" : line;
}

HaproxyDirector::HaproxyDirector(cluster::NetnsCluster cluster, fs::path dir)
    : cluster_(std::move(cluster)), dir_(std::move(dir)) {}

HaproxyDirector::~HaproxyDirector() {
  if (auto st = cluster_.destroy(); !st) std::fprintf(stderr, "haproxy director: %s\n", st.error().message.c_str());
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string HaproxyDirector::netns(const std::string& host) const {
  const auto* h = cluster_.layout().find(host);
  return h == nullptr ? std::string{} : h->netns;
}

std::string HaproxyDirector::log_tail() const {
  return "haproxy's output (" + (dir_ / "haproxy.log").string() + "):\n" + tail_of(dir_ / "haproxy.log", 20);
}

Result<std::unique_ptr<HaproxyDirector>> HaproxyDirector::create(const std::string& name,
                                                                 const std::vector<std::string>& sources) {
  if (auto st = haproxy_available(); !st) return std::move(st).error();
  auto made = cluster::NetnsCluster::create(
      cluster::Spec{.nodes = kDirectedServers + 1, .clients = 1, .lans = 1, .name = name});
  if (!made) return std::move(made).error();
  std::string tmpl = "/tmp/hvhap.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    return fail(Errc::io_error, "cannot make a folder under /tmp for haproxy (mkdtemp " + tmpl + ")");
  std::unique_ptr<HaproxyDirector> director(new HaproxyDirector(std::move(made).value(), tmpl));
  if (auto st = director->start(sources); !st) return std::move(st).error();
  return director;
}

Status HaproxyDirector::start(const std::vector<std::string>& sources) {
  std::vector<BackendServer> servers;
  for (int n = 1; n <= kDirectedServers; ++n) {
    const std::string node = "node" + std::to_string(n);
    const auto www = dir_ / (node + "-www");
    std::error_code ec;
    fs::create_directories(www, ec);
    std::ofstream(www / "index.html") << netns_failover::served_by(node) << "\n";
    auto web = cluster_.spawn(node,
                              {"/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory",
                               www.string(), std::to_string(netns_failover::kWebPort)},
                              {}, dir_ / (node + "-http.log"));
    if (!web) return std::move(web).error();
    servers.push_back({node, cluster_.layout().find(node)->ipv4()});
  }

  address_ = cluster_.layout().lans[0].spare_ipv4(kDirectorSpare);
  const auto& link = cluster_.layout().find(kDirectorHost)->link(1);
  auto added = cluster_.run(kDirectorHost, {"ip", "addr", "add", address_ + "/" + std::to_string(link.ipv4_prefix),
                                            "dev", link.interface});
  if (!added) return std::move(added).error();
  if (!added->ok()) return fail(Errc::io_error, "adding " + address_ + " to the director failed: " + added->describe());

  std::ofstream(config_file()) << haproxy_config(address_, servers);
  if (auto checked = cluster_.run(kDirectorHost, {haproxy_program(), "-c", "-q", "-f", config_file().string()});
      !checked || !checked->ok())
    return fail(Errc::invalid_argument, "haproxy refuses the configuration " + config_file().string() + ": " +
                                            (checked ? checked->describe() : checked.error().message));
  // In the foreground (-db), so that the cluster's clean-up and a kill of the host stop it.
  auto proxy = cluster_.spawn(kDirectorHost, {haproxy_program(), "-db", "-f", config_file().string()}, {},
                              dir_ / "haproxy.log");
  if (!proxy) return std::move(proxy).error();

  // Only the director talks to the clients: it alone needs the route to their upper block.
  if (auto st = add_client_sources(cluster_, sources, {kDirectorHost}); !st) return st;
  return wait_until_serving(sources);
}

Status HaproxyDirector::wait_until_serving(const std::vector<std::string>& sources) {
  auto started = netns_failover::VipPoller::start({.netns = netns("client1"),
                                                   .address = address_,
                                                   .interval = std::chrono::milliseconds(5),
                                                   .request_timeout = std::chrono::milliseconds(1000),
                                                   .sources = sources});
  if (!started) return std::move(started).error();
  const auto since = DirectorClock::now();
  const auto deadline = since + 15s;
  std::set<std::string> seen;
  while (DirectorClock::now() < deadline) {
    seen.clear();
    for (const auto& [source, nodes] : servers_by_source((*started)->answers_since(since)))
      seen.insert(nodes.begin(), nodes.end());
    if (seen.size() == kDirectedServers) return ok_status();
    std::this_thread::sleep_for(50ms);
  }
  std::string served;
  for (const auto& n : seen) served += " " + n;
  return fail(Errc::timeout, "haproxy at " + address_ + " did not serve from all " + std::to_string(kDirectedServers) +
                                 " web servers within 15 s (served by:" + (served.empty() ? " none" : served) +
                                 ")\n" + log_tail());
}

}  // namespace haven::bench
