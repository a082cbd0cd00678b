// A closed-loop HTTP load generator run inside a host's network namespace: `connections`
// requests always in flight, each a new TCP connection from the next source address in turn
// (a farm deals clients by source address), `GET /` HTTP/1.0, answer read to the server's
// close; as soon as one ends another starts, for `duration`. One thread, epoll.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::bench {

struct LoadSettings {
  std::string netns;                 ///< the client host's namespace (`ip netns` name)
  std::string address;               ///< the server or virtual IP (IPv4 literal)
  int port = 80;
  std::vector<std::string> sources;  ///< client addresses to bind, in turn; empty: the kernel's choice
  int connections = 32;              ///< requests in flight at once
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds request_timeout{2000};  ///< a request older than this counts as failed
};

struct LoadResult {
  long answered = 0;                 ///< complete answers with status 200 that ended within duration
  long failed = 0;                   ///< refused, reset, timed out, or not 200
  double seconds = 0;                ///< the measured duration
  std::map<std::string, long> by_node;  ///< answers per "served by" node
  double per_second() const { return seconds > 0 ? static_cast<double>(answered) / seconds : 0; }
};

/// Runs the load (blocking for about `duration`). io_error when the namespace cannot be
/// entered or epoll fails; invalid_argument for an address that is not IPv4. Failed requests
/// are counted, not errors.
[[nodiscard]] Result<LoadResult> run_http_load(const LoadSettings& settings);

}  // namespace haven::bench
