// What the harness tests share: skipping without root, reachability probes run in parallel
// (an unreachable ping costs its whole -W1 second), and snapshots of the root namespace.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "netns_cluster.hpp"

// Skips (with a warning, never silently) a test that needs root and `ip netns`.
#define REQUIRE_NETNS_OR_SKIP()                                                     \
  do {                                                                              \
    if (auto netns_status = haven::cluster::netns_available(); !netns_status) {     \
      WARN("SKIPPED: " << netns_status.error().message);                            \
      return;                                                                       \
    }                                                                               \
  } while (0)

namespace haven::cluster::test {

/// One probe: ping `address` from `from`.
struct Probe {
  std::string from;
  std::string address;
  bool operator<(const Probe& o) const { return std::tie(from, address) < std::tie(o.from, o.address); }
};

/// Runs every probe at once (`ping -c1 -W1`); which ones got an answer. A probe that gets no
/// answer is tried again, one second apart, until `patience` has passed: a link just restored
/// or a partition just healed needs neighbour discovery again, which a loaded machine can
/// take more than one second to finish. A patience of zero tries each probe once, as a probe
/// that expects silence must.
std::map<Probe, bool> ping_all(NetnsCluster& cluster, const std::vector<Probe>& probes,
                               std::chrono::seconds patience = std::chrono::seconds(0));

/// "node1 -> 198.51.100.2: reached" lines for an assertion message.
std::string describe(const std::map<Probe, bool>& results);

/// The interface names of the root namespace (`ip -o link`), sorted.
std::vector<std::string> root_links();

/// The namespaces whose names start with hvn-<pid>-.
std::vector<std::string> namespaces_of(pid_t owner);

/// The text of a file inside a host (e.g. /sys/class/net/eth0/carrier), trimmed.
std::string read_in_host(NetnsCluster& cluster, const std::string& host, const std::string& file);

}  // namespace haven::cluster::test
