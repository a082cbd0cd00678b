// min / median / p90 / max of a series of durations.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

namespace haven::bench {

struct TimingSummary {
  double min_ms = 0;
  double median_ms = 0;
  double p90_ms = 0;
  double max_ms = 0;
  std::size_t count = 0;
};

/// Nearest-rank percentiles (p90 of 20 values is the 18th smallest); all zero when empty.
TimingSummary summarize(std::vector<double> values_ms);

nlohmann::json to_json(const TimingSummary& s);

}  // namespace haven::bench
