// Runs a function on the agent's loop from a control thread and waits for its result.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>

namespace haven {

/// f's result, or nullopt when the loop did not run it within 30 s (it has ended).
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
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return std::nullopt;
  return future.get();
}

}  // namespace haven
