#include "agent/module_setup.hpp"

#include <algorithm>

#include "agent/heartbeat_peer.hpp"
#include "agent/lan_endpoints.hpp"
#include "agent/membership_lans.hpp"
#include "agent/membership_peers.hpp"
#include "common/process_environment.hpp"
#include "config/cluster_config.hpp"
#include "config/placeholders.hpp"
#include "module_store/module_store.hpp"
#include "config/user_config_loader.hpp"
#include "hooks/hook_environment.hpp"
#include "hooks/hook_files.hpp"
#include "plugin_host/basic_host_context.hpp"

namespace haven {
namespace {

// The extensions every loaded script engine claims, so hooks in any language are found.
std::vector<std::string> script_extensions(PluginHost& plugins) {
  std::vector<std::string> out;
  for (const auto& info : plugins.plugins()) {
    if (info.kind != kKindScriptEngine) continue;
    auto engine = plugins.make_script_engine(info.name, std::make_shared<BasicHostContext>());
    if (!engine.ok()) continue;
    for (const auto& ext : (*engine)->extensions())
      if (std::find(out.begin(), out.end(), ext) == out.end()) out.push_back(ext);
  }
  return out;
}

// The peer link of a two-node module, from cluster.xml (the one other node on the module's
// heartbeat lans, both addresses there, names resolved now), the module's <heart> and id,
// and the cluster key. None without a peer.
Result<std::optional<PeerLinkConfig>> peer_link_config(const HavenPaths& paths, const std::string& module,
                                                       const std::string& node, const ModuleSetup& setup) {
  std::error_code ec;
  // A farm's nodes find each other through farm membership, not a heartbeat peer.
  if (setup.farm || !std::filesystem::exists(paths.cluster_config(), ec)) return std::optional<PeerLinkConfig>{};
  auto cluster = config::read_cluster_config(paths.cluster_config(), process_environment());
  if (!cluster.ok()) return std::move(cluster).error();
  config::HeartConfig heart = setup.heart.value_or(config::HeartConfig{});
  std::vector<std::string> heartbeat_lans;
  for (const auto& hb : heart.heartbeats) heartbeat_lans.push_back(hb.name);
  const std::string cluster_file = paths.cluster_config().string();
  auto peer = choose_heartbeat_peer(*cluster, heartbeat_lans, node, module, cluster_file);
  if (!peer.ok()) return std::move(peer).error();
  if (!*peer) return std::optional<PeerLinkConfig>{};
  auto key = load_cluster_key(paths.cluster_key());
  if (!key.ok())
    return fail(key.error().code, "module " + module + " needs the cluster key to talk to " + (*peer)->node + ": " +
                                      key.error().message + " (make one with haven cluster genkey and copy it to every node)");
  auto entry = ModuleStore(paths).find(module);
  if (!entry.ok()) return std::move(entry).error();

  PeerLinkConfig link;
  link.local_node = node;
  link.peer_node = (*peer)->node;
  link.module = module;
  link.module_id = static_cast<std::uint16_t>(entry->id);
  link.key = *key;
  link.pulse = heart.pulse;
  link.timeout = heart.timeout;
  const auto port = static_cast<std::uint16_t>(heart.port.value_or(entry->ports.heartbeat_udp));
  const LanEndNames names{node, link.peer_node, cluster_file};
  for (const auto& ends : (*peer)->lans) {
    auto lan = resolve_lan_ends(ends, port, names);
    if (!lan.ok()) return std::move(lan).error();
    link.lans.push_back(std::move(*lan));
  }
  return std::optional<PeerLinkConfig>{std::move(link)};
}

// The lan replication flows on: <flow name>, else the heartbeat with ident="flow", else the
// first heartbeat lan; and the module's replication port.
Status choose_flow(const std::string& module, const HavenPaths& paths, ModuleSetup& setup) {
  if (!setup.peer_link || setup.peer_link->lans.empty()) return ok_status();
  std::string flow = setup.rfs->flow;
  if (flow.empty() && setup.heart)
    for (const auto& hb : setup.heart->heartbeats)
      if (hb.ident == "flow") flow = hb.name;
  const PeerLinkLan* lan = &setup.peer_link->lans.front();
  if (!flow.empty()) {
    auto it = std::find_if(setup.peer_link->lans.begin(), setup.peer_link->lans.end(),
                           [&](const PeerLinkLan& l) { return l.name == flow; });
    if (it == setup.peer_link->lans.end())
      return fail(Errc::invalid_argument, "the replication flow lan \"" + flow + "\" (<rfs><flow name> or the heartbeat "
                                          "with ident=\"flow\") is not one of the module's heartbeat lans");
    lan = &*it;
  }
  setup.flow_local_address = lan->local.address().to_string();
  setup.flow_peer_address = lan->peer.address().to_string();
  auto entry = ModuleStore(paths).find(module);
  if (!entry.ok()) return std::move(entry).error();
  setup.replication_port = static_cast<std::uint16_t>(entry->ports.replication_tcp);
  return ok_status();
}

}  // namespace

Result<ModuleSetup> load_module_setup(const HavenPaths& paths, const std::string& module, const std::string& node,
                                      PluginHost& plugins) {
  auto dir = paths.module_dir(module);
  auto file = dir / "conf" / "userconfig.xml";
  auto loaded = config::load_user_config(file, process_environment());
  ModuleSetup setup;
  std::string errors;
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == config::Severity::error) errors += "\n  " + d.to_string();
    else setup.warnings.push_back(d.to_string());
  }
  if (loaded.has_errors() || !loaded.config)
    return fail(Errc::invalid_argument, "module " + module + " cannot start: its configuration has errors:" + errors);
  const auto& cfg = *loaded.config;
  if (auto st = config::refuse_unfilled_placeholders(cfg); !st.ok())
    return fail(Errc::refused, "module " + module + " cannot start: " + st.error().message);

  setup.settings.module = module;
  setup.settings.mode = config::to_string(cfg.service.mode);
  setup.settings.local_node = node;
  setup.settings.defaultprim = cfg.service.defaultprim;
  setup.settings.failover = cfg.service.failover;
  setup.settings.maxloop = cfg.service.maxloop;
  setup.settings.loop_interval = cfg.service.loop_interval;
  setup.settings.hooks_enabled = cfg.user.has_value();
  setup.bin_dir = dir / "bin";

  HookEnvironmentInputs inputs;
  inputs.module = module;
  if (cfg.user) {
    setup.nice_stop_timeout = cfg.user->nicestoptimeout;
    setup.force_stop_timeout = cfg.user->forcestoptimeout;
    setup.user_log_size_kib = cfg.user->userlogsize;
    for (const auto& v : cfg.user->vars) inputs.user_vars.emplace_back(v.name, v.value);
  }
  setup.hook_env = hook_environment(paths, inputs, &setup.warnings);
  setup.hook_env["HAVEN_NODE"] = node;  // which node of the cluster runs the hook
  if (std::error_code ec; !std::filesystem::create_directories(paths.module_var_dir(module), ec) && ec)
    return fail(Errc::io_error, "module " + module + " cannot start: cannot create its folder " +
                                    paths.module_var_dir(module).string() + " ($SAFEUSERVAR): " + ec.message());
  setup.script_extensions = script_extensions(plugins);
  // Refused now rather than when that hook's turn comes, half-way through a start or a stop.
  if (auto st = refuse_hooks_in_several_languages(setup.bin_dir, setup.script_extensions); !st.ok())
    return fail(Errc::refused, "module " + module + " cannot start: " + st.error().message);
  if (cfg.vip)
    for (const auto& group : cfg.vip->groups) {
      LoadGroup load{group.name, {}};
      for (const auto& host : group.hosts) load.power[host.name] = host.power;
      setup.settings.load_groups.push_back(std::move(load));
    }
  setup.heart = cfg.heart;
  setup.farm = cfg.farm.has_value();
  setup.farm_config = cfg.farm;
  setup.replicates = cfg.rfs.has_value() && !cfg.rfs->replicated.empty();
  if (setup.replicates) setup.rfs = *cfg.rfs;
  return setup;
}

Status add_peer_link(const HavenPaths& paths, const std::string& module, const std::string& node, ModuleSetup& setup) {
  auto link = peer_link_config(paths, module, node, setup);
  if (!link.ok()) return fail(link.error().code, "module " + module + " cannot start: " + link.error().message);
  setup.peer_link = std::move(*link);
  if (setup.replicates)
    if (auto st = choose_flow(module, paths, setup); !st.ok())
      return fail(st.error().code, "module " + module + " cannot start: " + st.error().message);
  return ok_status();
}

}  // namespace haven

namespace haven {

Status add_membership_link(const HavenPaths& paths, const std::string& module, const std::string& node,
                           ModuleSetup& setup) {
  const auto refused = [&module](const Error& e) { return fail(e.code, "module " + module + " cannot start: " + e.message); };
  std::error_code ec;
  if (!std::filesystem::exists(paths.cluster_config(), ec)) return ok_status();
  auto cluster = config::read_cluster_config(paths.cluster_config(), process_environment());
  if (!cluster.ok()) return refused(cluster.error());
  const config::FarmConfig farm = setup.farm_config.value_or(config::FarmConfig{});
  const std::string cluster_file = paths.cluster_config().string();
  auto peers = choose_membership_peers(*cluster, farm.lans, node, module, cluster_file);
  if (!peers.ok()) return refused(peers.error());
  auto entry = ModuleStore(paths).find(module);
  if (!entry.ok()) return refused(entry.error());
  MembershipLinkConfig link;
  link.local_node = node;
  link.module = module;
  link.module_id = static_cast<std::uint16_t>(entry->id);
  link.pulse = farm.pulse;
  link.mlost_count = farm.mlost_count;
  link.slost_count = farm.slost_count;
  const auto port = farm_membership_port(link.module_id, farm.port);
  auto lans = resolve_membership_lans(*peers, port, node, cluster_file);
  if (!lans.ok()) return refused(lans.error());
  link.lans = std::move(*lans);
  if (!link.lans.empty()) {
    auto key = load_cluster_key(paths.cluster_key());
    if (!key.ok())
      return fail(key.error().code, "module " + module + " needs the cluster key to pulse to the farm's other nodes: " +
                                        key.error().message + " (make one with haven cluster genkey and copy it to every node)");
    link.key = *key;
  }
  setup.membership = std::move(link);
  return ok_status();
}

}  // namespace haven
