// One failover measurement on a fresh pair: a client polls http://VIP/ every 10 ms from its
// own host; once node1 serves it, node1 dies (kill -9 of every process of its host) or loses
// its link (cable pulled at the switch), and the time until the first answer served by
// node2 is the figure.
#pragma once

#include <filesystem>
#include <string>

#include "haven/result.hpp"

namespace haven::bench {

enum class Stack { haven, keepalived };
enum class Fault { kill, cut };

const char* to_string(Stack stack);
const char* to_string(Fault fault);

struct SeriesSettings {
  std::filesystem::path build_dir;   ///< haven's programs and plugins
  std::string pulse = "100ms";       ///< haven <heart pulse>
  std::string timeout = "500ms";     ///< haven <heart timeout>
  double advert_int = 0.1;           ///< keepalived advert_int, seconds
  int poll_interval_ms = 10;
  int request_timeout_ms = 200;
};

/// Milliseconds from the fault to the first answer node2 served; the error names the step
/// that failed (the pair did not form, nobody served, ...).
Result<double> measure_failover(Stack stack, Fault fault, const SeriesSettings& settings);

}  // namespace haven::bench
