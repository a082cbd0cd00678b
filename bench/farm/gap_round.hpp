// One round of "how long do the clients of a dying node go unserved": a fresh cluster (a
// haven farm, or HAProxy in front of the same web servers), a client polling the service
// address from 26 source addresses, then the node's death (its link cut at the switch, then
// kill -9 of every process in its namespace; the clock starts once the link is down) and the
// figures of client_gap.hpp.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "haven/result.hpp"

namespace haven::bench {

enum class Director { haven, haproxy };

/// What a series measures: which director, its loss counts (haven only) and which node dies.
struct GapSeries {
  std::string label;
  Director director = Director::haven;
  int slost_count = 10;   ///< haven <farm slost_count>
  int mlost_count = 20;   ///< haven <farm mlost_count>
  int victim = 3;         ///< the node that dies (node1 is the farm membership's master)
  int pulse_ms = 100;     ///< haven <farm pulse>
};

struct GapSettings {
  std::filesystem::path build_dir;                  ///< haven's programs and plugins
  std::chrono::milliseconds interval{2};            ///< a request this often, sources in turn
  std::chrono::milliseconds request_timeout{2000};  ///< a request not answered by then failed
  /// The failed share counts the requests sent in this long after the death.
  std::chrono::milliseconds window{4000};
  /// Every client of the dead node must be served again within this (else the round fails).
  std::chrono::milliseconds give_up{15000};
};

struct GapRound {
  double longest_ms = 0;      ///< the longest gap among the dead node's clients
  std::string slowest_source;
  std::size_t dead_clients = 0;  ///< clients the dead node served before it died
  std::size_t clients = 0;       ///< client addresses in all
  long sent = 0;              ///< requests sent in the window after the death
  double failed_share = 0;    ///< of those, the share that failed
};

/// One round on a fresh cluster named `cluster_name`; the error names the step that failed
/// (the cluster did not form, the dead node had no client, a client was never served again...).
Result<GapRound> measure_gap_round(const GapSeries& series, const GapSettings& settings,
                                   const std::string& cluster_name);

}  // namespace haven::bench
