#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "checks/checker_runner.hpp"

using namespace haven;
using namespace haven::checks;
using namespace std::chrono_literals;

namespace {

// A checker whose answer the test sets; counts its probes.
class ScriptedChecker final : public Checker {
 public:
  Result<CheckResult> probe(std::chrono::milliseconds) noexcept override {
    ++probes;
    if (broken) return fail(Errc::io_error, "cannot read /proc");
    return CheckResult{up.load(), up ? "fine" : "gone"};
  }
  std::atomic<bool> up{true};
  std::atomic<bool> broken{false};
  std::atomic<int> probes{0};
};

CheckerSpec spec(const std::string& resource, config::ActiveWhen when, FailurePath path = FailurePath::rules) {
  CheckerSpec s;
  s.resource = resource;
  s.plugin = "test";
  s.interval = 5ms;
  s.timeout = 100ms;
  s.when = when;
  s.path = path;
  s.line = 9;
  return s;
}

// Collects observations from checker threads and lets the test wait for one (bounded).
class Seen {
 public:
  void add(const Observation& o) {
    std::lock_guard lock(mutex_);
    last_[o.resource] = o;
    ++count_[o.resource];
    changed_.notify_all();
  }
  bool wait_for(const std::string& resource, const std::string& value) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] {
      auto it = last_.find(resource);
      return it != last_.end() && it->second.value == value;
    });
  }
  int count(const std::string& resource) {
    std::lock_guard lock(mutex_);
    return count_[resource];
  }
  Observation last(const std::string& resource) {
    std::lock_guard lock(mutex_);
    return last_[resource];
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Observation> last_;
  std::map<std::string, int> count_;
};

}  // namespace

TEST_CASE("checkers run only in their states and report up, down and unknown") {
  auto web = std::make_shared<ScriptedChecker>();
  auto gw = std::make_shared<ScriptedChecker>();
  std::map<std::string, std::shared_ptr<ScriptedChecker>> made{{"tcp.web", web}, {"ping.gw", gw}};
  Seen seen;
  CheckerRunner runner({spec("tcp.web", config::ActiveWhen::prim), spec("ping.gw", config::ActiveWhen::pre)},
                       [&](const CheckerSpec& s) -> Result<std::shared_ptr<Checker>> { return std::shared_ptr<Checker>(made.at(s.resource)); },
                       [&](const Observation& o) { seen.add(o); });
  REQUIRE(runner.prepare());
  CHECK(runner.running().empty());

  CHECK(runner.follow(ModuleState::wait, SubState::not_ready).empty());
  CHECK(runner.running() == std::vector<std::string>{"ping.gw"});
  REQUIRE(seen.wait_for("ping.gw", "up"));
  CHECK(seen.count("tcp.web") == 0);

  runner.follow(ModuleState::alone, SubState::ready);
  REQUIRE(seen.wait_for("tcp.web", "up"));
  web->up = false;
  REQUIRE(seen.wait_for("tcp.web", "down"));
  CHECK(seen.last("tcp.web").reason == "gone");
  CHECK(seen.last("tcp.web").spec->line == 9);
  web->broken = true;
  REQUIRE(seen.wait_for("tcp.web", "unknown"));
  CHECK(seen.last("tcp.web").reason == "cannot read /proc");

  auto stopped = runner.follow(ModuleState::alone, SubState::transient);  // stop_prim is running
  CHECK(stopped == std::vector<std::string>{"tcp.web"});
  const int probes = web->probes;
  std::this_thread::sleep_for(50ms);
  CHECK(web->probes == probes);  // really stopped
  CHECK(runner.running() == std::vector<std::string>{"ping.gw"});

  runner.follow(ModuleState::stop, SubState::ready);
  CHECK(runner.running().empty());
}

TEST_CASE("checker off/on and errd off/on stop and restart their own kind only") {
  auto web = std::make_shared<ScriptedChecker>();
  auto proc = std::make_shared<ScriptedChecker>();
  std::map<std::string, std::shared_ptr<ScriptedChecker>> made{{"tcp.web", web}, {"proc.nginx", proc}};
  Seen seen;
  CheckerRunner runner(
      {spec("tcp.web", config::ActiveWhen::prim), spec("proc.nginx", config::ActiveWhen::prim, FailurePath::direct)},
      [&](const CheckerSpec& s) -> Result<std::shared_ptr<Checker>> { return std::shared_ptr<Checker>(made.at(s.resource)); },
      [&](const Observation& o) { seen.add(o); });
  REQUIRE(runner.prepare());
  runner.follow(ModuleState::prim, SubState::ready);
  CHECK(runner.running().size() == 2);
  CHECK(runner.set_checkers_enabled(false) == std::vector<std::string>{"tcp.web"});
  CHECK(runner.running() == std::vector<std::string>{"proc.nginx"});
  CHECK(runner.set_errd_enabled(false) == std::vector<std::string>{"proc.nginx"});
  CHECK(runner.running().empty());
  runner.set_checkers_enabled(true);
  runner.set_errd_enabled(true);
  CHECK(runner.running().size() == 2);
}

TEST_CASE("a custom errd class runs only while enabled") {
  auto night = std::make_shared<ScriptedChecker>();
  CheckerSpec s = spec("proc.batch", config::ActiveWhen::custom, FailurePath::direct);
  s.custom_class = "night";
  Seen seen;
  CheckerRunner runner({s}, [&](const CheckerSpec&) -> Result<std::shared_ptr<Checker>> { return std::shared_ptr<Checker>(night); },
                       [&](const Observation& o) { seen.add(o); });
  REQUIRE(runner.prepare());
  runner.follow(ModuleState::alone, SubState::ready);
  CHECK(runner.running().empty());
  runner.set_class_enabled("night", true);
  REQUIRE(seen.wait_for("proc.batch", "up"));
  CHECK(runner.set_class_enabled("night", false) == std::vector<std::string>{"proc.batch"});
}

TEST_CASE("a checker that cannot be made refuses the start, naming it") {
  CheckerRunner runner({spec("tcp.web", config::ActiveWhen::prim)},
                       [](const CheckerSpec&) -> Result<std::shared_ptr<Checker>> {
                         return fail(Errc::invalid_argument, "haven.checker.tcp: no port");
                       },
                       [](const Observation&) {});
  auto status = runner.prepare();
  REQUIRE_FALSE(status);
  CHECK(status.error().message == "checker tcp.web (userconfig.xml line 9): haven.checker.tcp: no port");
}
