#include "netns_cluster.hpp"

#include <unistd.h>

#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "cluster_store.hpp"
#include "interrupt_cleanup.hpp"
#include "namespace_cleanup.hpp"
#include "partition_rules.hpp"

namespace haven::cluster {
namespace {

using namespace std::chrono_literals;
constexpr auto kIpTimeout = 15s;
constexpr auto kSpawnGrace = 2s;

// Runs an `ip -batch` script (in `netns` when given): one process for many changes; ip stops
// at the first failing line and names it.
Status ip_batch(const std::string& netns, const std::string& script, const std::string& what) {
  std::vector<std::string> argv{ip_program()};
  if (!netns.empty()) argv.insert(argv.end(), {"-n", netns});
  argv.insert(argv.end(), {"-batch", "-"});
  const auto r = run_command(argv, kIpTimeout, script);
  if (!r.ok())
    return fail(Errc::io_error, fmt::format("{}: {}\nthe batch was:\n{}", what, r.describe(), script));
  return ok_status();
}

Status run_ok(const std::vector<std::string>& argv, const std::string& what, const std::string& input = {}) {
  const auto r = run_command(argv, kIpTimeout, input);
  if (!r.ok()) return fail(Errc::io_error, fmt::format("{}: {}", what, r.describe()));
  return ok_status();
}

std::string host_names(const Layout& layout) {
  std::string names;
  for (const auto& h : layout.hosts) names += (names.empty() ? "" : ", ") + h.name;
  return names;
}

Status build(const Layout& layout) {
  const std::string where = fmt::format("building cluster '{}'", layout.name);
  std::string add;
  for (const auto& ns : layout.namespaces()) add += "netns add " + ns + "\n";
  if (auto s = ip_batch("", add, where + ": creating the namespaces"); !s) return s;

  // The switch carries frames only: without IPv6 on its bridges and ports, nothing but the
  // hosts' own traffic appears on the lans.
  if (auto s = run_ok(in_netns(layout.switch_netns, {"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                                                     "net.ipv6.conf.default.disable_ipv6=1"}),
                      where + ": turning IPv6 off in the switch namespace");
      !s)
    return s;
  std::string sw = "link set dev lo up\n";
  for (const auto& lan : layout.lans) {
    // No STP (ports forward as soon as they are up) and no multicast snooping (neighbour
    // discovery must not depend on MLD state).
    sw += fmt::format("link add name {} type bridge stp_state 0 mcast_snooping 0\n", lan.bridge);
    sw += fmt::format("link set dev {} up\n", lan.bridge);
  }
  for (const auto& host : layout.hosts)
    for (const auto& link : host.links) {
      sw += fmt::format("link add name {} type veth peer name {} netns {}\n", link.switch_port, link.interface,
                        host.netns);
      sw += fmt::format("link set dev {} master {}\n", link.switch_port, layout.lans[static_cast<size_t>(link.lan - 1)].bridge);
      sw += fmt::format("link set dev {} up\n", link.switch_port);
    }
  if (auto s = ip_batch(layout.switch_netns, sw, where + ": building the switch"); !s) return s;

  for (const auto& host : layout.hosts) {
    std::string h = "link set dev lo up\n";
    for (const auto& link : host.links) {
      h += fmt::format("address add {}/{} dev {}\n", link.ipv4, link.ipv4_prefix, link.interface);
      h += fmt::format("address add {}/{} dev {} nodad\n", link.ipv6, link.ipv6_prefix, link.interface);
      h += fmt::format("link set dev {} up\n", link.interface);
    }
    if (auto s = ip_batch(host.netns, h, fmt::format("{}: configuring host {}", where, host.name)); !s) return s;
  }
  return ok_status();
}

}  // namespace

struct NetnsCluster::State {
  Layout layout;
  bool owned = false;
  bool destroyed = false;
  std::uint64_t interrupt_token = 0;
  std::vector<std::shared_ptr<ProcessRecord>> processes;
};

Status netns_available() {
  static const Status status = []() -> Status {
    if (::geteuid() != 0)
      return fail(Errc::refused, "network namespace tests need root (CAP_SYS_ADMIN, CAP_NET_ADMIN); run them as root");
    const std::string probe = fmt::format("{}{}-probe-switch", kNamespacePrefix, ::getpid());
    const auto r = run_command({ip_program(), "netns", "add", probe}, 10s);
    (void)remove_namespace(probe);
    if (!r.ok()) return fail(Errc::refused, fmt::format("cannot create a network namespace here: {}", r.describe()));
    return ok_status();
  }();
  return status;
}

NetnsCluster::NetnsCluster(std::unique_ptr<State> state) : state_(std::move(state)) {}
NetnsCluster::NetnsCluster(NetnsCluster&&) noexcept = default;
NetnsCluster& NetnsCluster::operator=(NetnsCluster&& other) noexcept {
  if (this != &other) {
    if (state_ && state_->owned) (void)destroy();
    state_ = std::move(other.state_);
  }
  return *this;
}

NetnsCluster::~NetnsCluster() {
  if (!state_ || !state_->owned || state_->destroyed) return;
  if (auto s = destroy(); !s) std::fprintf(stderr, "haven cluster harness: %s\n", s.error().message.c_str());
}

Result<NetnsCluster> NetnsCluster::create(const Spec& spec) {
  auto layout = plan_layout(spec, ::getpid());
  if (!layout) return std::move(layout).error();
  if (auto stale = remove_stale(); !stale)
    std::fprintf(stderr, "haven cluster harness: %s\n", stale.error().message.c_str());
  for (const auto& ns : layout->namespaces())
    if (namespace_exists(ns))
      return fail(Errc::already_exists,
                  fmt::format("cluster '{}': namespace {} already exists: this process already holds a cluster of that "
                              "name; destroy it first or choose another name",
                              spec.name, ns));
  auto state = std::make_unique<State>();
  state->layout = std::move(layout).value();
  state->owned = true;
  // Registered before the first namespace exists, so an interrupt mid-way removes the part built.
  state->interrupt_token = register_namespaces(state->layout.namespaces());
  NetnsCluster cluster(std::move(state));
  if (auto s = build(cluster.layout()); !s) {
    auto removed = cluster.destroy();
    if (!removed) return fail(s.error().code, s.error().message + "\nand removing it failed: " + removed.error().message);
    return std::move(s).error();
  }
  return cluster;
}

NetnsCluster NetnsCluster::attach(Layout layout) {
  auto state = std::make_unique<State>();
  state->layout = std::move(layout);
  return NetnsCluster(std::move(state));
}

Result<int> NetnsCluster::remove_stale() {
  std::set<std::string> kept;
  for (const auto& stored : load_all_clusters()) {
    if (stored.complete || process_alive(stored.layout.owner)) {
      for (const auto& ns : stored.layout.namespaces()) kept.insert(ns);
    } else {
      (void)forget_cluster(stored.layout.name);  // its builder died half-way
    }
  }
  int removed = 0;
  std::string errors;
  for (const auto& ns : list_namespaces()) {
    const pid_t owner = namespace_owner(ns);
    if (owner == 0 || process_alive(owner) || kept.count(ns)) continue;
    if (auto s = remove_namespace(ns); !s) errors += "\n" + s.error().message;
    else ++removed;
  }
  if (!errors.empty()) return fail(Errc::io_error, "removing stale cluster namespaces:" + errors);
  return removed;
}

const Layout& NetnsCluster::layout() const { return state_->layout; }

Result<const Host*> NetnsCluster::find_host(const std::string& name, const char* action) const {
  if (const Host* h = state_->layout.find(name)) return h;
  return fail(Errc::not_found, fmt::format("{} in cluster '{}': no host called '{}'; the hosts are {}", action,
                                           state_->layout.name, name, host_names(state_->layout)));
}

Result<Host> NetnsCluster::host(const std::string& name) const {
  auto h = find_host(name, "looking up a host");
  if (!h) return std::move(h).error();
  return **h;
}

Status NetnsCluster::set_link(const std::string& host_name, int lan, bool up) {
  const char* action = up ? "restoring a link" : "cutting a link";
  auto h = find_host(host_name, action);
  if (!h) return std::move(h).error();
  const Host& host = **h;
  if (lan < 0 || lan > static_cast<int>(host.links.size()))
    return fail(Errc::invalid_argument, fmt::format("{} of {} in cluster '{}': no lan {}, expected 0 (all) to {}", action,
                                                    host_name, state_->layout.name, lan, host.links.size()));
  std::string script;
  for (const auto& link : host.links)
    if (lan == 0 || link.lan == lan) script += fmt::format("link set dev {} {}\n", link.switch_port, up ? "up" : "down");
  return ip_batch(state_->layout.switch_netns, script,
                  fmt::format("{} of {} in cluster '{}'", action, host_name, state_->layout.name));
}

Status NetnsCluster::cut_link(const std::string& host, int lan) { return set_link(host, lan, false); }
Status NetnsCluster::restore_link(const std::string& host, int lan) { return set_link(host, lan, true); }

Status NetnsCluster::partition(const std::vector<std::vector<std::string>>& groups) {
  auto script = partition_script(state_->layout, groups);
  if (!script) return std::move(script).error();
  return run_ok(in_netns(state_->layout.switch_netns, {"nft", "-f", "-"}),
                fmt::format("partitioning cluster '{}' (nftables, package nftables, is needed)", state_->layout.name),
                *script);
}

Status NetnsCluster::heal() {
  return run_ok(in_netns(state_->layout.switch_netns, {"nft", "-f", "-"}),
                fmt::format("healing the partition of cluster '{}'", state_->layout.name), heal_script());
}

Result<CommandOutput> NetnsCluster::run(const std::string& host, const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout) {
  auto h = find_host(host, "running a command");
  if (!h) return std::move(h).error();
  if (argv.empty())
    return fail(Errc::invalid_argument, fmt::format("running a command on {}: no command given", host));
  return run_command(in_netns((*h)->netns, argv), timeout);
}

Result<HostProcess> NetnsCluster::spawn(const std::string& host, const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& env,
                                        const std::filesystem::path& log_file) {
  auto h = find_host(host, "starting a process");
  if (!h) return std::move(h).error();
  auto record = spawn_in_netns((*h)->netns, host, argv, env, log_file);
  if (!record) return std::move(record).error();
  state_->processes.push_back(*record);
  return HostProcess(*record);
}

Status NetnsCluster::destroy() {
  if (!state_ || state_->destroyed) return ok_status();
  stop_all(state_->processes, kSpawnGrace);
  state_->processes.clear();
  std::string errors;
  for (const auto& ns : state_->layout.namespaces())
    if (auto s = remove_namespace(ns); !s) errors += "\n" + s.error().message;
  if (!errors.empty())
    return fail(Errc::io_error, fmt::format("removing cluster '{}':{}", state_->layout.name, errors));
  state_->destroyed = true;
  if (state_->interrupt_token) unregister_namespaces(state_->interrupt_token);
  state_->interrupt_token = 0;
  return ok_status();
}

void NetnsCluster::release() {
  if (!state_) return;
  state_->owned = false;
  if (state_->interrupt_token) unregister_namespaces(state_->interrupt_token);
  state_->interrupt_token = 0;
  state_->processes.clear();
}

}  // namespace haven::cluster
