// Runs a function on the agent's loop from a control thread and waits for its result.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>

namespace haven {

/// f's result, or nullopt when the loop did not run it: it has stopped (the agent exits), or
/// 30 s went by. Returns soon after the loop stops, so that a control thread never outlives the
/// agent it serves (the agent's exit waits for its control threads).
template <typename F>
auto run_on_loop(boost::asio::io_context& io, F f) -> std::optional<decltype(f())> {
  auto promise = std::make_shared<std::promise<decltype(f())>>();
  auto future = promise->get_future();
  boost::asio::post(io, [promise, f = std::move(f)]() mutable {
    try {
      promise->set_value(f());
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (future.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (io.stopped() || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    return std::nullopt;  // the loop was destroyed with the call still queued
  }
}

}  // namespace haven
