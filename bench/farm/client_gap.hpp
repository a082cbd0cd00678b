// What the clients of a dead node saw, computed from the answers a VipPoller kept. Pure: no
// socket, no clock (every time is passed in), so the figures' rules can be read in one place.
//
// - The dead node's clients are the sources whose answers, before the death, came from it.
// - A client's gap is from the death to its first answer served by another node (whatever
//   moment that request was sent: a request a director retried counts when it is answered).
// - The round's figure is the longest gap among those clients.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "vip_poller.hpp"

namespace haven::bench {

using netns_failover::Clock;
using netns_failover::HttpAnswer;

/// The node an answer's body names ("served by node2\n" gives "node2"); empty when none.
std::string served_node(const std::string& body);

/// Which nodes served each source, from `answers`.
std::map<std::string, std::set<std::string>> servers_by_source(const std::vector<HttpAnswer>& answers);

/// The sources that only `node` served in `answers` (its clients while nothing changed).
std::vector<std::string> clients_of(const std::vector<HttpAnswer>& answers, const std::string& node);

/// The longest gap among `clients` after `death` of `dead_node`.
struct GapFigure {
  double longest_ms = 0;
  std::string slowest_source;      ///< whose gap it was
  std::size_t clients = 0;         ///< how many clients the dead node had
  std::vector<std::string> unanswered;  ///< clients with no answer from another node at all
};

/// `answers`: every answer the poller kept (any order). A client without an answer from a
/// node other than `dead_node` arriving at or after `death` is listed in `unanswered` and
/// left out of longest_ms.
GapFigure longest_gap(const std::vector<std::string>& clients, const std::vector<HttpAnswer>& answers,
                      Clock::time_point death, const std::string& dead_node);

/// Of `sent` requests, how many answered (as a share, 0..1, 0 when none were sent) failed:
/// refused, reset, timed out or not 200.
double failed_share(long sent, long answered);

}  // namespace haven::bench
