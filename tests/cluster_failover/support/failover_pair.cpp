#include "failover_pair.hpp"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/haven_paths.hpp"
#include "common/module_log.hpp"
#include "host_probe.hpp"
#include "test_module.hpp"

namespace haven::netns_failover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Result<fs::path> make_root() {
  // Short: the Unix sockets under the root are limited to 107 bytes.
  std::string tmpl = "/tmp/hvfo.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    return fail(Errc::io_error, "cannot make a node root under /tmp (mkdtemp " + tmpl + ")");
  std::error_code ec;
  fs::create_directories(fs::path(tmpl) / "work", ec);
  if (ec) return fail(Errc::io_error, "cannot make " + tmpl + "/work: " + ec.message());
  return fs::path(tmpl);
}

std::string tail_of(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

// The developer's own haven settings must not leak into the nodes under test.
std::vector<std::string> clean_env(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"env", "-u", "HAVEN_ROOT", "-u", "SAFEMODULE", "-u", "HAVEN_PLUGIN_PATH"});
  return argv;
}

Status step_failed(const std::string& what, const cluster::CommandOutput& out) {
  return fail(Errc::internal, what + " failed: " + out.describe());
}

}  // namespace

std::string pair_cluster_xml(const cluster::Layout& layout, int lans, int lan2_nodes) {
  std::string xml = "<cluster><lans>";
  for (int lan = 1; lan <= lans; ++lan) {
    xml += std::string("<lan name=\"") + (lan == 1 ? "default" : "lan2") + "\">";
    int listed = 0;
    for (const auto& host : layout.hosts)
      if (host.name.rfind("node", 0) == 0 && (lan == 1 || lan2_nodes == 0 || listed++ < lan2_nodes))
        xml += "<node name=\"" + host.name + "\" addr=\"" + host.ipv4(lan) + "\"/>";
    xml += "</lan>";
  }
  return xml + "</lans></cluster>\n";
}

FailoverPair::FailoverPair(PairSpec spec, cluster::NetnsCluster cluster)
    : spec_(std::move(spec)), cluster_(std::move(cluster)) {}

Result<std::unique_ptr<FailoverPair>> FailoverPair::create(const PairSpec& spec_in) {
  PairSpec spec = spec_in;
  if (spec.nodes < 2 || spec.nodes > kMaxNodes)
    return fail(Errc::invalid_argument, "a test cluster has 2 to " + std::to_string(kMaxNodes) + " nodes, not " +
                                            std::to_string(spec.nodes));
  spec.module.lans = spec.lans;
  auto made = cluster::NetnsCluster::create(
      cluster::Spec{.nodes = spec.nodes, .clients = spec.witness ? 2 : 1, .lans = spec.lans, .name = spec.name});
  if (!made) return std::move(made).error();
  if (spec.module.vip.empty()) spec.module.vip = made->layout().lans[0].spare_ipv4(0);
  if (const auto* witness = made->layout().find("client2"); spec.witness && witness != nullptr)
    for (auto at = spec.module.service_children.find(kWitnessMark); at != std::string::npos;
         at = spec.module.service_children.find(kWitnessMark))
      spec.module.service_children.replace(at, std::string_view(kWitnessMark).size(), witness->ipv4());
  std::unique_ptr<FailoverPair> pair(new FailoverPair(spec, std::move(made).value()));
  for (int n = 1; n <= spec.nodes; ++n) {
    auto root = make_root();
    if (!root) return std::move(root).error();
    pair->roots_.push_back(*root);
  }
  for (int n = 1; n <= spec.nodes; ++n)
    if (auto st = pair->start_node(n); !st) return std::move(st).error();
  if (auto st = pair->share_key_and_install(); !st) return std::move(st).error();
  return pair;
}

FailoverPair::~FailoverPair() {
  // The cluster kills everything inside the namespaces (havend, agents, hooks, servers).
  if (auto st = cluster_.destroy(); !st) std::fprintf(stderr, "failover pair: %s\n", st.error().message.c_str());
  for (const auto& root : roots_) {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
}

std::string FailoverPair::netns(const std::string& host) const {
  const auto* h = cluster_.layout().find(host);
  return h == nullptr ? std::string{} : h->netns;
}

std::string FailoverPair::witness_address() const {
  const auto* h = cluster_.layout().find("client2");
  return spec_.witness && h != nullptr ? h->ipv4() : std::string{};
}

Status FailoverPair::start_node(int n) {
  const auto paths = HavenPaths::under(roots_[n - 1]);
  std::error_code ec;
  fs::create_directories(paths.conf_dir(), ec);
  std::ofstream(paths.cluster_config()) << pair_cluster_xml(cluster_.layout(), spec_.lans, spec_.lan2_nodes);
  const auto log = roots_[n - 1] / "work" / "havend.out";
  auto spawned = cluster_.spawn(
      node_name(n), clean_env({program("havend").string(), "--root", roots_[n - 1].string(), "--node", node_name(n)}),
      spec_.node_env[static_cast<std::size_t>(n - 1)], log);
  if (!spawned) return std::move(spawned).error();
  havend_.push_back(*spawned);
  // Up when its socket exists and it answers; bounded: 15 s.
  const auto deadline = Clock::now() + 15s;
  while (Clock::now() < deadline) {
    if (!havend_.back().running())
      return fail(Errc::internal, "havend of " + node_name(n) + " ended at start; its output (" + log.string() +
                                      "):\n" + tail_of(log, 30));
    if (fs::exists(paths.daemon_socket()) && haven(n, {"state"}, 10s).ok()) return ok_status();
    std::this_thread::sleep_for(50ms);
  }
  return fail(Errc::timeout, "havend of " + node_name(n) + " did not answer 'haven state' within 15 s; its output (" +
                                 log.string() + "):\n" + tail_of(log, 30));
}

Status FailoverPair::share_key_and_install() {
  if (auto r = haven(1, {"cluster", "genkey"}); !r.ok()) return step_failed("haven cluster genkey on node1", r);
  const auto key1 = HavenPaths::under(roots_[0]).cluster_key();
  for (int n = 2; n <= spec_.nodes; ++n) {
    const auto key = HavenPaths::under(roots_[static_cast<std::size_t>(n - 1)]).cluster_key();
    std::error_code ec;
    fs::copy_file(key1, key, fs::copy_options::overwrite_existing, ec);
    if (ec)
      return fail(Errc::io_error, "cannot copy the cluster key " + key1.string() + " to " + key.string() + ": " + ec.message());
    fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write, ec);
  }
  for (int n = 1; n <= spec_.nodes; ++n) {
    fs::path archive;
    try {
      const auto source = spec_.custom_module ? spec_.custom_module->source
                                              : test::ModuleSource{web_userconfig(spec_.module), web_hooks()};
      archive = test::pack_module(roots_[n - 1] / "work", module_name(), source);
    } catch (const std::exception& e) {
      return fail(Errc::io_error, e.what());
    }
    if (auto r = haven(n, {"module", "install", "-m", module_name(), archive.string()}); !r.ok())
      return step_failed("haven module install on " + node_name(n), r);
  }
  return ok_status();
}

cluster::CommandOutput FailoverPair::haven(int n, const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  // The node's own environment too: the CLI expands the same macros when it checks a module.
  std::vector<std::string> argv;
  for (const auto& [name, value] : spec_.node_env[static_cast<std::size_t>(n - 1)]) argv.push_back(name + "=" + value);
  argv.insert(argv.end(), {program("haven").string(), "--root", roots_[n - 1].string()});
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = cluster_.run(node_name(n), clean_env(std::move(argv)), timeout);
  if (!out) {
    cluster::CommandOutput failed;
    failed.err = out.error().message;
    return failed;
  }
  return *out;
}

NodeState FailoverPair::state(int n) {
  auto r = haven(n, {"--json", "state", "-m", module_name()}, 10s);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_discarded() && j.is_array() && !j.empty() && j[0].is_object())
    return {j[0].value("state", "?"), j[0].value("substate", ""), j[0]};
  return {"?", "", nlohmann::json{{"output", r.describe()}}};
}

NodeState FailoverPair::wait_for(int n, const std::string& want, const std::string& substate,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    auto s = state(n);
    if (s.state == want && (substate.empty() || s.substate == substate)) return s;
    if (Clock::now() >= deadline) return s;
    std::this_thread::sleep_for(100ms);
  }
}

Status FailoverPair::pair_up(std::chrono::milliseconds timeout) {
  if (auto r = haven(2, {"start", "-m", module_name()}); !r.ok()) return step_failed("haven start on node2", r);
  if (auto r = haven(1, {"prim", "-m", module_name()}); !r.ok()) return step_failed("haven prim on node1", r);
  auto s1 = wait_for(1, "PRIM", "Ready", timeout);
  auto s2 = wait_for(2, "SECOND", "Ready", timeout);
  if (s1.describe() != "PRIM Ready" || s2.describe() != "SECOND Ready")
    return fail(Errc::timeout, "the pair did not form within " + std::to_string(timeout.count()) + " ms: node1 " +
                                   s1.raw.dump() + ", node2 " + s2.raw.dump() + "\nnode1:\n" + describe_node(1) +
                                   "\nnode2:\n" + describe_node(2));
  return ok_status();
}

std::string FailoverPair::module_name() const {
  return spec_.custom_module ? spec_.custom_module->name : std::string(kWebModule);
}

Status FailoverPair::restart_node(int n) { return start_node(n); }

Result<Clock::time_point> FailoverPair::kill_node(int n) { return kill_namespace_processes(netns(node_name(n))); }

Result<bool> FailoverPair::holds_vip(int n) { return host_has_address(cluster_, node_name(n), vip()); }

std::string FailoverPair::describe_node(int n, std::size_t lines) const {
  const auto& root = roots_[n - 1];
  const auto logs = module_log_files(HavenPaths::under(root), module_name());
  return "--- " + node_name(n) + " module log (" + logs.module_log.string() + "):\n" + tail_of(logs.module_log, lines) +
         "--- havend output:\n" + tail_of(root / "work" / "havend.out", 10);
}

std::string FailoverPair::module_log(int n) const {
  std::ifstream in(module_log_files(HavenPaths::under(roots_[n - 1]), module_name()).module_log);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> FailoverPair::hook_record(int n) const {
  std::ifstream in(HavenPaths::under(roots_[n - 1]).module_var_dir(module_name()) / "record");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace haven::netns_failover
