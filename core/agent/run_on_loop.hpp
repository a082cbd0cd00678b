// Runs a function on the agent's loop from a control thread and waits for its result.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>

namespace haven {

/// f's result, or nullopt when the loop did not run it: it has stopped (the agent exits), or
/// `patience` went by before the loop took it. Returns soon after the loop stops, so that a
/// control thread never outlives the agent it serves (the agent's exit waits for its control
/// threads). `f` may capture the caller's locals by reference: once this returns, f is never
/// called (a call the loop has already begun is waited for).
template <typename F>
auto run_on_loop(boost::asio::io_context& io, F f, std::chrono::milliseconds patience = std::chrono::seconds(30))
    -> std::optional<decltype(f())> {
  struct Call {
    std::mutex mutex;
    bool abandoned = false;  // the caller has returned: f must not run
    bool started = false;    // the loop has begun f: the caller must wait for it
    std::promise<decltype(f())> promise;
  };
  auto call = std::make_shared<Call>();
  auto future = call->promise.get_future();
  boost::asio::post(io, [call, f = std::move(f)]() mutable {
    {
      std::lock_guard lock(call->mutex);
      if (call->abandoned) return;
      call->started = true;
    }
    try {
      call->promise.set_value(f());
    } catch (...) {
      call->promise.set_exception(std::current_exception());
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (future.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (io.stopped() || std::chrono::steady_clock::now() >= deadline) {
      std::lock_guard lock(call->mutex);
      if (!call->started) {
        call->abandoned = true;
        return std::nullopt;
      }
      // f runs now, on the loop's thread, with references into this frame: wait for it.
    }
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    return std::nullopt;  // the loop was destroyed with the call still queued
  }
}

}  // namespace haven
