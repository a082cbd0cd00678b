// A client polling http://VIP/ from inside a host's network namespace, the way a user's
// browser would keep retrying: a new request every `interval`, each with its own deadline,
// several in flight at once, so that a request stuck towards a dead node never delays the
// next one. Every answer is kept with the moment it arrived, for the tests (who served?) and
// the failover bench (how long until the other node served?).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "haven/result.hpp"

namespace haven::netns_failover {

using Clock = std::chrono::steady_clock;

/// One complete HTTP answer (status 200) and its body.
struct HttpAnswer {
  Clock::time_point sent;
  Clock::time_point answered;
  std::string body;
  std::string source;  ///< the client address it was sent from; empty: the kernel's choice
};

struct PollerSettings {
  std::string netns;     ///< the client host's namespace (`ip netns` name)
  std::string address;   ///< the virtual IP (IPv4 literal)
  int port = 80;
  std::chrono::milliseconds interval{10};          ///< a new request this often
  std::chrono::milliseconds request_timeout{300};  ///< connect + answer, then given up
  std::chrono::minutes max_run{10};                ///< the thread ends by itself after this
  /// Client addresses of the host to send from, one request each in turn (a farm spreads
  /// clients by source address); empty: the kernel chooses.
  std::vector<std::string> sources{};
};

class VipPoller {
 public:
  /// Starts the polling thread; io_error when it cannot enter the namespace.
  [[nodiscard]] static Result<std::unique_ptr<VipPoller>> start(const PollerSettings& settings);
  ~VipPoller();
  VipPoller(const VipPoller&) = delete;
  VipPoller& operator=(const VipPoller&) = delete;

  /// Ends the thread (at most one interval plus a poll round later).
  void stop();

  /// The first answer whose body contains `text` and that was sent at `after` or later.
  std::optional<HttpAnswer> first_answer(const std::string& text, Clock::time_point after) const;
  /// Waits up to `timeout` (checking every 5 ms) for first_answer(text, after).
  std::optional<HttpAnswer> wait_for_answer(const std::string& text, Clock::time_point after,
                                            std::chrono::milliseconds timeout) const;
  /// Every answer to a request sent at `after` or later, in the order they arrived.
  std::vector<HttpAnswer> answers_since(Clock::time_point after) const;
  /// The last answer received, if any.
  std::optional<HttpAnswer> last_answer() const;
  /// Requests sent, answered (200), failed (refused, reset, timed out, not 200).
  struct Counts {
    long sent = 0;
    long answered = 0;
    long failed = 0;
  };
  Counts counts() const;

 private:
  explicit VipPoller(PollerSettings settings);
  void run();

  PollerSettings settings_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<HttpAnswer> answers_;
  Counts counts_;
  std::thread thread_;
};

}  // namespace haven::netns_failover
