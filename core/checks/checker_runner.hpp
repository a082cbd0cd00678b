// Runs a module's checkers: one thread per active checker probes it every `interval` and
// reports what it saw. Which checkers run follows the module's state (checker_activation);
// what a result means is the agent's business (resources, failover rules, errd actions).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "checks/checker_plan.hpp"
#include "checks/restart_detector.hpp"
#include "haven/behaviour.hpp"
#include "haven/checker.hpp"

namespace haven::checks {

/// One probe's outcome: value is "up", "down", or "unknown" when the probe could not run.
struct Observation {
  std::string resource;
  std::string value;
  std::string reason;
  const CheckerSpec* spec = nullptr;  ///< valid while the runner lives
  /// A run-aware checker (haven::RunAwareChecker) saw what it watches restart since its last
  /// up probe; `thing` names what it watches ("module db on node node2").
  std::optional<Restart> restart;
  std::string thing;
};

class CheckerRunner {
 public:
  /// Makes the checker object of a spec (through the plugin host in the agent).
  using Factory = std::function<Result<std::shared_ptr<Checker>>(const CheckerSpec&)>;
  /// Receives every observation, from the checker's thread: it must be thread-safe and quick
  /// (the agent posts it to its own thread).
  using Observer = std::function<void(const Observation&)>;

  /// Runs the handler of an errd watch with action="<handler>" (CheckerSpec::handler) once per
  /// fall, on that checker's thread, after its "down" observation: the seed product runs the
  /// handler instead of a standard action. Blocks until the handler exits, or until `cancel`
  /// becomes true (the checker is being stopped) and it was killed. Returns what to log.
  using HandlerRunner = std::function<void(const CheckerSpec& spec, const Observation& seen,
                                           std::shared_ptr<const std::atomic<bool>> cancel)>;

  CheckerRunner(std::vector<CheckerSpec> plan, Factory factory, Observer observer, HandlerRunner handler = {});
  ~CheckerRunner();
  CheckerRunner(const CheckerRunner&) = delete;
  CheckerRunner& operator=(const CheckerRunner&) = delete;

  /// Makes every checker now, so a bad element refuses the module's start instead of
  /// failing later; the error names the checker's resource, its line and why.
  Status prepare();

  /// Starts the checkers active in this state and stops the others. Returns the resources
  /// of the checkers it stopped (the agent sets them back to init).
  std::vector<std::string> follow(ModuleState state, SubState sub);

  /// `haven checker off|on` (every `<check>` checker) and `haven errd off|on` (every
  /// `<proc>`); off stops them until turned on again. Returns the resources stopped.
  std::vector<std::string> set_checkers_enabled(bool on);
  std::vector<std::string> set_errd_enabled(bool on);
  /// `haven errd enable|disable <class>` for custom errd classes.
  std::vector<std::string> set_class_enabled(const std::string& klass, bool on);

  /// How many times the module went from STOP or WAIT into PRIM, ALONE, SECOND or UP while
  /// this runner followed it: with the agent's pid, what tells one run of the module from the
  /// next (a `<module>` checker elsewhere reads it in `haven state --json` as "starts").
  std::uint64_t starts() const;

  /// The resources whose checkers run now.
  std::vector<std::string> running() const;

  /// Stops every checker and waits for their threads.
  void stop_all();

  const std::vector<CheckerSpec>& plan() const { return plan_; }

 private:
  struct Slot {
    std::shared_ptr<Checker> checker;
    std::thread thread;
    bool running = false;
    std::shared_ptr<bool> stop;  // guarded by mutex_
    std::shared_ptr<std::atomic<bool>> cancel;  // set with stop: kills a handler in progress
  };
  std::vector<std::string> apply();  // starts/stops to match the wanted set; mutex_ not held
  bool wanted(const CheckerSpec& spec) const;
  void start(std::size_t index);
  void loop(std::size_t index, std::shared_ptr<bool> stop, std::shared_ptr<std::atomic<bool>> cancel);

  std::vector<CheckerSpec> plan_;
  Factory factory_;
  Observer observer_;
  HandlerRunner handler_;
  std::vector<Slot> slots_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  ModuleState state_ = ModuleState::stop;
  SubState sub_ = SubState::not_ready;
  std::uint64_t starts_ = 0;
  bool checkers_on_ = true;
  bool errd_on_ = true;
  std::set<std::string> enabled_classes_;
};

}  // namespace haven::checks
