#include "keepalived_pair.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "host_probe.hpp"
#include "web_module.hpp"

namespace haven::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string keepalived_program() {
  for (const char* p : {"/usr/sbin/keepalived", "/sbin/keepalived", "/usr/local/sbin/keepalived"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string keepalived_conf(int n, const std::string& vip, int prefix, double advert_int, const fs::path& notify) {
  // Both start BACKUP; node1's higher priority makes it MASTER. vrrp_version 3 is what lets
  // advert_int go below one second. No GARP delay: the burst goes out at once on MASTER.
  return fmt::format(
      "global_defs {{\n"
      "  router_id node{0}\n"
      "  vrrp_version 3\n"
      "  vrrp_garp_master_delay 0\n"
      "  vrrp_garp_master_repeat 5\n"
      "  script_user root\n"
      "  enable_script_security\n"
      "}}\n"
      "vrrp_instance web {{\n"
      "  state BACKUP\n"
      "  interface eth0\n"
      "  virtual_router_id 51\n"
      "  priority {1}\n"
      "  advert_int {2}\n"
      "  virtual_ipaddress {{\n"
      "    {3}/{4} dev eth0 label eth0:0\n"
      "  }}\n"
      "  notify {5}\n"
      "}}\n",
      n, n == 1 ? 150 : 100, advert_int, vip, prefix, notify.string());
}

}  // namespace

Status keepalived_available() {
  if (keepalived_program().empty())
    return fail(Errc::not_found,
                "keepalived is not installed (looked in /usr/sbin, /sbin, /usr/local/sbin): run scripts/install-deps.sh");
  return ok_status();
}

KeepalivedPair::KeepalivedPair(cluster::NetnsCluster cluster, fs::path dir)
    : cluster_(std::move(cluster)), dir_(std::move(dir)) {}

KeepalivedPair::~KeepalivedPair() {
  if (auto st = cluster_.destroy(); !st) std::fprintf(stderr, "keepalived pair: %s\n", st.error().message.c_str());
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string KeepalivedPair::netns(const std::string& host) const {
  const auto* h = cluster_.layout().find(host);
  return h == nullptr ? std::string{} : h->netns;
}

std::string KeepalivedPair::vrrp_state(int n) const {
  auto s = slurp(dir_ / fmt::format("node{}.state", n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Result<std::chrono::steady_clock::time_point> KeepalivedPair::kill_node(int n) { return netns_failover::kill_namespace_processes(netns(fmt::format("node{}", n))); }

Result<std::unique_ptr<KeepalivedPair>> KeepalivedPair::create(const KeepalivedSettings& settings) {
  if (auto st = keepalived_available(); !st) return std::move(st).error();
  auto made = cluster::NetnsCluster::create(cluster::Spec{.nodes = 2, .clients = 1, .lans = 1, .name = settings.name});
  if (!made) return std::move(made).error();
  std::string tmpl = "/tmp/hvka.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::io_error, "cannot make a folder under /tmp for keepalived");
  std::unique_ptr<KeepalivedPair> pair(new KeepalivedPair(std::move(made).value(), tmpl));
  pair->vip_ = pair->cluster_.layout().lans[0].spare_ipv4(0);
  for (int n = 1; n <= 2; ++n)
    if (auto st = pair->start_node(n, settings); !st) return std::move(st).error();

  // Settled: node1 MASTER holding the VIP, node2 BACKUP without it (bounded: 15 s).
  const auto deadline = Clock::now() + 15s;
  while (true) {
    auto on1 = netns_failover::host_has_address(pair->cluster_, "node1", pair->vip_);
    auto on2 = netns_failover::host_has_address(pair->cluster_, "node2", pair->vip_);
    if (pair->vrrp_state(1) == "MASTER" && pair->vrrp_state(2) == "BACKUP" && on1 && *on1 && on2 && !*on2) break;
    if (Clock::now() >= deadline)
      return fail(Errc::timeout, "keepalived did not settle within 15 s (node1 " + pair->vrrp_state(1) + ", node2 " +
                                     pair->vrrp_state(2) + "); logs in " + pair->dir_.string() + ":\n" +
                                     slurp(pair->dir_ / "node1.log") + slurp(pair->dir_ / "node2.log"));
    std::this_thread::sleep_for(50ms);
  }
  return pair;
}

Status KeepalivedPair::start_node(int n, const KeepalivedSettings& settings) {
  const std::string node = fmt::format("node{}", n);
  const auto www = dir_ / (node + "-www");
  std::error_code ec;
  fs::create_directories(www, ec);
  std::ofstream(www / "index.html") << netns_failover::served_by(node) << "\n";
  auto web = cluster_.spawn(node,
                            {"/usr/bin/python3", "-m", "http.server", "--bind", "0.0.0.0", "--directory", www.string(),
                             std::to_string(netns_failover::kWebPort)},
                            {}, dir_ / (node + "-http.log"));
  if (!web) return std::move(web).error();

  // notify gets: INSTANCE web <STATE> <priority>; it records the state for vrrp_state().
  const auto notify = dir_ / (node + "-notify.sh");
  std::ofstream(notify) << "#!/bin/sh\necho \"$3\" > " << (dir_ / (node + ".state")).string() << "\n";
  ::chmod(notify.c_str(), 0700);
  const auto conf = dir_ / (node + ".conf");
  const auto& link = cluster_.layout().find(node)->link(1);
  std::ofstream(conf) << keepalived_conf(n, vip_, link.ipv4_prefix, settings.advert_int, notify);

  // In the foreground, VRRP only, with pid files of its own: two keepalived run on one machine.
  auto ka = cluster_.spawn(node,
                           {keepalived_program(), "--dont-fork", "--log-console", "--vrrp", "--use-file", conf.string(),
                            "--pid", (dir_ / (node + ".pid")).string(), "--vrrp_pid",
                            (dir_ / (node + "-vrrp.pid")).string(), "--checkers_pid",
                            (dir_ / (node + "-checkers.pid")).string()},
                           {}, dir_ / (node + ".log"));
  if (!ka) return std::move(ka).error();
  return ok_status();
}

}  // namespace haven::bench
