// The runner with a run-aware checker (haven::RunAwareChecker): it reports a restart of the
// watched thing once, never on the first probe after the checker starts, and counts the
// module's own starts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "checks/checker_runner.hpp"

using namespace haven;
using namespace haven::checks;
using namespace std::chrono_literals;

namespace {

// A module checker stand-in whose answer and run the test sets.
class ScriptedRunChecker final : public RunAwareChecker {
 public:
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override {
    auto seen = probe_run(timeout);
    return seen->check;
  }
  Result<RunCheckResult> probe_run(std::chrono::milliseconds) noexcept override {
    std::lock_guard lock(mutex_);
    return RunCheckResult{{up_, up_ ? "up" : "down"}, "module db on this node", run_};
  }
  void set(bool up, std::string run) {
    std::lock_guard lock(mutex_);
    up_ = up;
    run_ = std::move(run);
  }

 private:
  std::mutex mutex_;
  bool up_ = true;
  std::string run_ = "agent 7, generation 1";
};

// Every observation, in order; the test waits (bounded) for one that matches.
class Observations {
 public:
  void add(const Observation& o) {
    std::lock_guard lock(mutex_);
    all_.push_back(o);
    changed_.notify_all();
  }
  // The index of the first observation from `from` on that matches, or -1 after 5 s.
  long wait_for(std::size_t from, const std::function<bool(const Observation&)>& match) {
    std::unique_lock lock(mutex_);
    long found = -1;
    changed_.wait_for(lock, 5s, [&] {
      for (std::size_t i = from; i < all_.size(); ++i)
        if (match(all_[i])) {
          found = static_cast<long>(i);
          return true;
        }
      return false;
    });
    return found;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return all_.size();
  }
  std::vector<Observation> since(std::size_t from) {
    std::lock_guard lock(mutex_);
    return {all_.begin() + static_cast<long>(from), all_.end()};
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Observation> all_;
};

CheckerSpec module_spec() {
  CheckerSpec s;
  s.resource = "module.db_127.0.0.1";
  s.plugin = "haven.checker.module";
  s.interval = 2ms;
  s.timeout = 100ms;
  s.when = config::ActiveWhen::pre;
  return s;
}

long restarts_in(const std::vector<Observation>& seen) {
  return std::count_if(seen.begin(), seen.end(), [](const Observation& o) { return o.restart.has_value(); });
}

}  // namespace

TEST_CASE("a run-aware checker's restart of what it watches is reported once, with both runs") {
  auto checker = std::make_shared<ScriptedRunChecker>();
  Observations seen;
  CheckerRunner runner({module_spec()}, [&](const CheckerSpec&) -> Result<std::shared_ptr<Checker>> { return std::shared_ptr<Checker>(checker); },
                       [&](const Observation& o) { seen.add(o); });
  REQUIRE(runner.prepare());
  runner.follow(ModuleState::alone, SubState::ready);
  REQUIRE(seen.wait_for(0, [](const Observation& o) { return o.value == "up"; }) >= 0);

  const auto before_change = seen.size();
  checker->set(true, "agent 7, generation 2");
  const long at = seen.wait_for(before_change, [](const Observation& o) { return o.restart.has_value(); });
  REQUIRE(at >= 0);
  const auto restart = seen.since(static_cast<std::size_t>(at)).front();
  CHECK(restart.value == "up");
  CHECK(restart.thing == "module db on this node");
  CHECK(restart.restart->before == "agent 7, generation 1");
  CHECK(restart.restart->now == "agent 7, generation 2");
  // Later probes of the same run are no restart.
  REQUIRE(seen.wait_for(static_cast<std::size_t>(at) + 5, [](const Observation&) { return true; }) >= 0);
  CHECK(restarts_in(seen.since(before_change)) == 1);

  // Seen not running, then up in the same run: a restart through "not running".
  checker->set(false, "not running");
  const auto down_from = seen.size();
  REQUIRE(seen.wait_for(down_from, [](const Observation& o) { return o.value == "down"; }) >= 0);
  checker->set(true, "agent 7, generation 2");
  const long again = seen.wait_for(down_from, [](const Observation& o) { return o.restart.has_value(); });
  REQUIRE(again >= 0);
  CHECK(seen.since(static_cast<std::size_t>(again)).front().restart->between == "not running");
  runner.stop_all();
}

TEST_CASE("the first probe after the checker starts again is no restart, whatever ran meanwhile") {
  auto checker = std::make_shared<ScriptedRunChecker>();
  Observations seen;
  CheckerRunner runner({module_spec()}, [&](const CheckerSpec&) -> Result<std::shared_ptr<Checker>> { return std::shared_ptr<Checker>(checker); },
                       [&](const Observation& o) { seen.add(o); });
  REQUIRE(runner.prepare());
  runner.follow(ModuleState::alone, SubState::ready);
  REQUIRE(seen.wait_for(0, [](const Observation& o) { return o.value == "up"; }) >= 0);

  // The local module stops (its `pre` checker with it); the watched one restarts meanwhile.
  CHECK(runner.follow(ModuleState::stop, SubState::not_ready) == std::vector<std::string>{"module.db_127.0.0.1"});
  checker->set(true, "agent 8, generation 5");
  const auto from = seen.size();
  runner.follow(ModuleState::wait, SubState::transient);
  REQUIRE(seen.wait_for(from + 10, [](const Observation&) { return true; }) >= 0);
  CHECK(restarts_in(seen.since(from)) == 0);
  runner.stop_all();
}

TEST_CASE("a plain checker reports no restart and no run") {
  class Plain final : public Checker {
   public:
    Result<CheckResult> probe(std::chrono::milliseconds) noexcept override { return CheckResult{true, "fine"}; }
  };
  auto checker = std::make_shared<Plain>();
  Observations seen;
  CheckerRunner runner({module_spec()}, [&](const CheckerSpec&) -> Result<std::shared_ptr<Checker>> { return std::shared_ptr<Checker>(checker); },
                       [&](const Observation& o) { seen.add(o); });
  REQUIRE(runner.prepare());
  runner.follow(ModuleState::alone, SubState::ready);
  REQUIRE(seen.wait_for(5, [](const Observation&) { return true; }) >= 0);
  const auto all = seen.since(0);
  CHECK(restarts_in(all) == 0);
  CHECK(all.front().thing.empty());
  CHECK(all.front().reason == "fine");
  runner.stop_all();
}

TEST_CASE("the runner counts the module's starts: into a role from STOP or WAIT, not between roles") {
  CheckerRunner runner({}, [](const CheckerSpec&) -> Result<std::shared_ptr<Checker>> {
    return fail(Errc::internal, "no checker");
  }, [](const Observation&) {});
  REQUIRE(runner.prepare());
  CHECK(runner.starts() == 0);
  runner.follow(ModuleState::wait, SubState::transient);
  runner.follow(ModuleState::alone, SubState::transient);
  runner.follow(ModuleState::alone, SubState::ready);
  CHECK(runner.starts() == 1);
  runner.follow(ModuleState::alone, SubState::transient);  // the secondary joins
  runner.follow(ModuleState::prim, SubState::ready);
  CHECK(runner.starts() == 1);
  runner.follow(ModuleState::wait, SubState::transient);  // a stopstart
  runner.follow(ModuleState::stop, SubState::not_ready);
  runner.follow(ModuleState::wait, SubState::transient);
  runner.follow(ModuleState::second, SubState::transient);
  CHECK(runner.starts() == 2);
  runner.follow(ModuleState::second, SubState::ready);
  runner.follow(ModuleState::alone, SubState::transient);  // a failover
  CHECK(runner.starts() == 2);
}
