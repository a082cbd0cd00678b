#include "timing_summary.hpp"

#include <algorithm>
#include <cmath>

namespace haven::bench {
namespace {

double nearest_rank(const std::vector<double>& sorted, double percent) {
  const auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

TimingSummary summarize(std::vector<double> values_ms) {
  TimingSummary s;
  if (values_ms.empty()) return s;
  std::sort(values_ms.begin(), values_ms.end());
  s.count = values_ms.size();
  s.min_ms = values_ms.front();
  s.max_ms = values_ms.back();
  const auto n = values_ms.size();
  s.median_ms = n % 2 == 1 ? values_ms[n / 2] : (values_ms[n / 2 - 1] + values_ms[n / 2]) / 2.0;
  s.p90_ms = nearest_rank(values_ms, 90.0);
  return s;
}

nlohmann::json to_json(const TimingSummary& s) {
  return {{"count", s.count}, {"min_ms", s.min_ms}, {"median_ms", s.median_ms}, {"p90_ms", s.p90_ms}, {"max_ms", s.max_ms}};
}

}  // namespace haven::bench
