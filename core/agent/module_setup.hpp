// Everything an agent reads before it starts a module: its configuration turned into the
// behaviour's settings, the hook environment and timeouts, and the script engines.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/haven_paths.hpp"
#include "agent/membership_link.hpp"
#include "agent/peer_link.hpp"
#include "config/user_config.hpp"
#include "haven/behaviour.hpp"
#include "haven/result.hpp"
#include "plugin_host/plugin_host.hpp"

namespace haven {

struct ModuleSetup {
  ServiceSettings settings;
  std::filesystem::path bin_dir;                       ///< SAFEUSERBIN
  std::map<std::string, std::string> hook_env;         ///< the hooks' whole environment
  std::chrono::milliseconds nice_stop_timeout{300000};
  std::chrono::milliseconds force_stop_timeout{300000};
  std::optional<std::chrono::milliseconds> start_timeout;

  /// The timeout bounding a hook of `phase`: none for start hooks unless configured,
  /// nicestoptimeout for graceful stops, forcestoptimeout for forced ones.
  std::optional<std::chrono::milliseconds> hook_timeout(HookPhase phase) const {
    switch (phase) {
      case HookPhase::start: return start_timeout;
      case HookPhase::graceful_stop: return nice_stop_timeout;
      case HookPhase::force_stop: return force_stop_timeout;
    }
    return force_stop_timeout;
  }
  std::vector<std::string> script_extensions;          ///< claimed by the loaded engines
  std::vector<std::string> warnings;                   ///< configuration warnings, for the log
  std::optional<PeerLinkConfig> peer_link;             ///< the peer's heartbeat; none when alone
  std::optional<MembershipLinkConfig> membership;      ///< a farm's pulse to its other nodes
  std::optional<config::FarmConfig> farm_config;       ///< the module's <farm>, for add_membership_link
  std::int64_t user_log_size_kib = 0;                  ///< <user userlogsize>; 0: no <user>
  std::optional<config::HeartConfig> heart;            ///< the module's <heart>, for add_peer_link
  bool farm = false;                                   ///< a <farm> section: no heartbeat peer
  bool replicates = false;                             ///< the module has <rfs> directories
  std::optional<config::RfsConfig> rfs;                ///< the module's <rfs>, when it replicates
  /// Where replication flows, when the module replicates and has a peer: this node's and the
  /// peer's address on the flow lan (<flow name>, else the heartbeat with ident="flow", else
  /// the first), and the module's first replication port (5600 + (id - 1) * 4).
  std::string flow_local_address;
  std::string flow_peer_address;
  std::uint16_t replication_port = 0;
};

/// Reads the installed module's userconfig.xml and derives this node's part of the setup (no
/// peer: see add_peer_link). Errors name the file.
Result<ModuleSetup> load_module_setup(const HavenPaths& paths, const std::string& module,
                                      const std::string& node, PluginHost& plugins);

/// The behaviour plugin a module's mode names: "haven.behaviour.mirror".
inline std::string behaviour_plugin_name(const ServiceSettings& settings) { return "haven.behaviour." + settings.mode; }

/// Adds the heartbeat peer from cluster.xml (the one other node on the module's heartbeat
/// lans, names resolved now) and the replication flow, for a behaviour that pairs by
/// heartbeats. Never called by the crash clean-up, which must not wait on name resolution.
Status add_peer_link(const HavenPaths& paths, const std::string& module, const std::string& node, ModuleSetup& setup);

/// Adds the farm membership from cluster.xml (every other node on the module's <farm> lans,
/// names resolved now), for a behaviour that finds its nodes by farm membership. Without
/// cluster.xml the farm runs on this node alone. The error names the module and what to fix.
Status add_membership_link(const HavenPaths& paths, const std::string& module, const std::string& node,
                           ModuleSetup& setup);

}  // namespace haven
