#include "reintegration/reintegrator.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "reintegration/plan_steps.hpp"
#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"

namespace haven::reintegration {
namespace {

class RunState {
 public:
  RunState(const ReintegrationPlan& plan, const ReintegrationOptions& options, ReintegrationClock& clock)
      : options_(options), clock_(clock), start_(clock.now()) {
    progress_.bytes_total = plan.data_bytes();
    progress_.files_total = plan.files.size();
  }

  bool stopped() const { return failed_.load(); }

  void fail_with(Error error) {
    std::lock_guard lock(mutex_);
    if (!failed_.exchange(true)) error_ = std::move(error);
  }

  void add(std::uint64_t bytes, std::uint64_t files) {
    std::lock_guard lock(mutex_);
    progress_.bytes_done += bytes;
    progress_.files_done += files;
    publish();
  }

  void finish() {
    std::lock_guard lock(mutex_);
    progress_.finished = true;
    publish();
  }

  Status result() {
    std::lock_guard lock(mutex_);
    if (!failed_) return ok_status();
    Error e = error_;
    e.message = "reintegration stopped after " + std::to_string(progress_.bytes_done) + " of " + std::to_string(progress_.bytes_total) +
                " bytes and " + std::to_string(progress_.files_done) + " of " + std::to_string(progress_.files_total) +
                " files: " + e.message + "; the secondary stays marked not up to date and the next reintegration is full";
    return e;
  }

 private:
  void publish() {
    const double seconds = std::chrono::duration<double>(clock_.now() - start_).count();
    progress_.bytes_per_second = seconds > 0 ? static_cast<double>(progress_.bytes_done) / seconds : 0;
    if (progress_.bytes_per_second > 0) {
      const auto left = progress_.bytes_total > progress_.bytes_done ? progress_.bytes_total - progress_.bytes_done : 0;
      progress_.seconds_remaining = static_cast<double>(left) / progress_.bytes_per_second;
    }
    if (options_.on_progress) options_.on_progress(progress_);
  }

  const ReintegrationOptions& options_;
  ReintegrationClock& clock_;
  ReintegrationClock::Duration start_;
  std::mutex mutex_;
  std::atomic<bool> failed_{false};
  Error error_;
  ReintegrationProgress progress_;
};

Error at_step(const std::string& what, const std::string& path, Error error) {
  error.message = what + " of '" + replication::printable_path(path) + "': " + error.message;
  return error;
}

std::uint64_t current_size(int primary_fd, const std::string& path) {
  const int fd = replication::open_beneath(primary_fd, path, O_PATH, replication::PathResolution::automatic);
  if (fd < 0) return 0;
  replication::UniqueFd node(fd);
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
}

bool exists(int primary_fd, const std::string& path) {
  const int fd = replication::open_beneath(primary_fd, path, O_PATH, replication::PathResolution::automatic);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

}  // namespace

Reintegrator::Reintegrator(int primary_fd, OrderedSubmitter& submitter, ReintegrationOptions options)
    : primary_fd_(primary_fd), submitter_(submitter), options_(std::move(options)) {}

Status Reintegrator::run(const ReintegrationPlan& plan) {
  ReintegrationClock& clock = options_.clock != nullptr ? *options_.clock : steady_reintegration_clock();
  const std::uint64_t packet = std::max<std::uint64_t>(options_.packet_size, 4096);
  BandwidthLimiter limiter(bytes_per_second_from_kb(options_.allowed_kb_per_second), packet, clock);
  RunState state(plan, options_, clock);

  auto run_steps = [&](const std::vector<PlanStep>& steps) {
    for (const auto& step : steps) {
      if (state.stopped()) return;
      auto s = submitter_.run([&](std::vector<replication::Change>& out) { return produce_step(primary_fd_, step, out); });
      if (!s.ok()) state.fail_with(at_step(to_string(step.kind), step.path, std::move(s).error()));
    }
  };

  auto run_file = [&](const FileWork& planned) {
    FileWork file = planned;
    for (const auto& other : planned.other_names) {
      if (exists(primary_fd_, file.path)) break;
      file.path = other;
    }
    // A new file's live writes before its create step were skipped on the secondary: copy it
    // up to its size now (after the create, every live write reaches the secondary too).
    std::vector<replication::ByteRange> ranges = file.ranges;
    if (!file.secondary_has_copy) {
      const std::uint64_t now_size = current_size(primary_fd_, file.path);
      if (now_size > replication::total_length(ranges)) ranges = {{0, now_size}};
    }
    for (const auto& range : ranges) {
      for (std::uint64_t at = range.offset; at < range.offset + range.length; at += packet) {
        if (state.stopped()) return;
        const replication::ByteRange piece{at, std::min(packet, range.offset + range.length - at)};
        limiter.acquire(piece.length);  // never under the ordering lock: live writes must not wait for the cap
        std::uint64_t sent = 0;
        auto s = submitter_.run([&](std::vector<replication::Change>& out) { return produce_file_range(primary_fd_, file, piece, out, sent); });
        if (!s.ok()) {
          state.fail_with(at_step("data at offset " + std::to_string(piece.offset), file.path, std::move(s).error()));
          return;
        }
        state.add(sent, 0);
      }
    }
    if (state.stopped()) return;
    auto s = submitter_.run([&](std::vector<replication::Change>& out) { return produce_file_end(primary_fd_, file, out); });
    if (!s.ok()) {
      state.fail_with(at_step("size and attributes", file.path, std::move(s).error()));
      return;
    }
    state.add(0, 1);
  };

  run_steps(plan.prepare);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < plan.files.size() && !state.stopped(); i = next++) run_file(plan.files[i]);
  };
  const unsigned streams = std::max(1u, options_.streams);
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < streams && i < plan.files.size(); ++i) workers.emplace_back(worker);
  worker();
  for (auto& t : workers) t.join();
  run_steps(plan.finish);
  if (!state.stopped()) state.finish();
  return state.result();
}

}  // namespace haven::reintegration
