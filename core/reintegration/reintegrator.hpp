// Runs a reintegration plan while the application keeps writing: every step reads the
// primary and submits under the ordering lock (OrderedSubmitter), files are shared among
// nbrei workers, the bytes sent are capped by reiallowedbw, and progress is reported as it goes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "haven/result.hpp"
#include "reintegration/bandwidth_limiter.hpp"
#include "reintegration/ordered_submitter.hpp"
#include "reintegration/reintegration_plan.hpp"

namespace haven::reintegration {

/// What `haven state` shows while a reintegration runs.
struct ReintegrationProgress {
  std::uint64_t bytes_done = 0;   ///< data bytes acknowledged so far
  std::uint64_t bytes_total = 0;  ///< data bytes planned (holes and shrunk files send less)
  std::uint64_t files_done = 0;
  std::uint64_t files_total = 0;
  double bytes_per_second = 0;              ///< since the start
  std::optional<double> seconds_remaining;  ///< unknown until some bytes went
  bool finished = false;
};

struct ReintegrationOptions {
  unsigned streams = 1;                ///< nbrei: workers sharing the files (at least 1)
  std::uint64_t allowed_kb_per_second = 0;  ///< reiallowedbw; 0 = no cap
  std::uint64_t packet_size = 1024 * 1024;  ///< reipacketsize: bytes read per turn of the lock
  /// Called from the workers (serialised) after each packet and at the end. Must be quick.
  std::function<void(const ReintegrationProgress&)> on_progress;
  ReintegrationClock* clock = nullptr;  ///< nullptr: steady_reintegration_clock()
};

class Reintegrator {
 public:
  /// `primary_fd` is the directory underneath the replicated one (borrowed), `submitter` the
  /// replicated file system's (borrowed); both must outlive run().
  Reintegrator(int primary_fd, OrderedSubmitter& submitter, ReintegrationOptions options);

  /// Runs the plan to its end. OK only when every change was acknowledged by the secondary:
  /// the caller may then mark it up to date. Otherwise the error says which step failed and
  /// how far it got; the other workers stop at their next packet and the secondary must stay
  /// marked not up to date.
  [[nodiscard]] Status run(const ReintegrationPlan& plan);

 private:
  int primary_fd_;
  OrderedSubmitter& submitter_;
  ReintegrationOptions options_;
};

}  // namespace haven::reintegration
