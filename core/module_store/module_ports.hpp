// The network ports a module uses, derived from its id as the seed product allocates them,
// so that a module keeps the same ports on every node and firewall rules can be written once.
#pragma once

namespace haven {

/// Ids a module may have. The upper bound keeps the heartbeat ports (8888 + id - 1) below
/// the PKI (9001) and web console (9010) ports.
inline constexpr int kMinModuleId = 1;
inline constexpr int kMaxModuleId = 100;

struct ModulePorts {
  int heartbeat_udp = 0;    ///< heartbeats between the module's nodes
  int replication_tcp = 0;  ///< file replication and reintegration (first of 4 ports)
  int farm_udp = 0;         ///< farm membership (first of 3 ports)
};

/// The ports of module `id` (kMinModuleId..kMaxModuleId).
constexpr ModulePorts ports_for_id(int id) {
  return ModulePorts{8888 + (id - 1), 5600 + (id - 1) * 4, 4803 + (id - 1) * 3};
}

}  // namespace haven
