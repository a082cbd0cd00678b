// Polling with a bounded deadline: the tests wait for a state, never for a fixed time.
#pragma once

#include <chrono>
#include <thread>

namespace haven::test {

/// Calls `done` every `interval` until it returns true (then true) or `timeout` has passed
/// (then false, after one last call).
template <typename Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(interval);
  }
  return done();
}

}  // namespace haven::test
