// run_on_loop: a control thread's call on the agent's loop, and what happens when the loop
// does not take it in time: the function, which may hold references into the caller's frame,
// must never run after the caller returned.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "agent/run_on_loop.hpp"

using namespace haven;
using namespace std::chrono_literals;

TEST_CASE("a call the loop takes returns its result") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  auto answer = run_on_loop(io, [] { return 42; });
  work.reset();
  io.stop();
  loop.join();
  REQUIRE(answer);
  CHECK(*answer == 42);
}

TEST_CASE("a call the loop did not take in time is never run afterwards") {
  boost::asio::io_context io;  // nobody runs it yet: the loop is busy elsewhere
  std::atomic<bool> ran{false};
  auto answer = run_on_loop(io, [&ran] { return ran = true; }, 100ms);
  CHECK_FALSE(answer);
  // The loop comes back: the abandoned call must not touch the caller's (now gone) frame.
  io.run();
  CHECK_FALSE(ran);
}

TEST_CASE("a call the loop has begun is waited for, even past the patience") {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  int local = 0;
  auto answer = run_on_loop(io, [&local] {
    std::this_thread::sleep_for(300ms);
    return ++local;
  }, 50ms);
  work.reset();
  io.stop();
  loop.join();
  REQUIRE(answer);
  CHECK(*answer == 1);
  CHECK(local == 1);
}

TEST_CASE("a stopped loop ends the wait with no result") {
  boost::asio::io_context io;
  io.stop();
  auto answer = run_on_loop(io, [] { return 1; });
  CHECK_FALSE(answer);
}
