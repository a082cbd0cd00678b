#include "checks/checker_runner.hpp"

#include <fmt/format.h>

#include "checks/checker_activation.hpp"

namespace haven::checks {

CheckerRunner::CheckerRunner(std::vector<CheckerSpec> plan, Factory factory, Observer observer, HandlerRunner handler)
    : plan_(std::move(plan)),
      factory_(std::move(factory)),
      observer_(std::move(observer)),
      handler_(std::move(handler)),
      slots_(plan_.size()) {}

CheckerRunner::~CheckerRunner() { stop_all(); }

Status CheckerRunner::prepare() {
  for (std::size_t i = 0; i < plan_.size(); ++i) {
    auto made = factory_(plan_[i]);
    if (!made)
      return fail(made.error().code, fmt::format("checker {} (userconfig.xml line {}): {}", plan_[i].resource,
                                                 plan_[i].line, made.error().message));
    slots_[i].checker = std::move(*made);
  }
  return {};
}

bool CheckerRunner::wanted(const CheckerSpec& spec) const {
  const bool on = spec.path == FailurePath::direct ? errd_on_ : checkers_on_;
  return on && is_active(spec.when, spec.custom_class, state_, sub_, enabled_classes_);
}

std::vector<std::string> CheckerRunner::apply() {
  std::vector<std::thread> finished;
  std::vector<std::string> stopped;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < plan_.size(); ++i) {
      Slot& slot = slots_[i];
      if (!slot.checker) continue;
      const bool want = wanted(plan_[i]);
      if (want && !slot.running) {
        start(i);
      } else if (!want && slot.running) {
        *slot.stop = true;
        *slot.cancel = true;
        slot.running = false;
        finished.push_back(std::move(slot.thread));
        stopped.push_back(plan_[i].resource);
      }
    }
  }
  wake_.notify_all();
  for (auto& t : finished) t.join();  // outside the lock: a probe in progress may take its timeout
  return stopped;
}

void CheckerRunner::start(std::size_t index) {
  Slot& slot = slots_[index];
  slot.stop = std::make_shared<bool>(false);
  slot.cancel = std::make_shared<std::atomic<bool>>(false);
  slot.running = true;
  slot.thread = std::thread([this, index, stop = slot.stop, cancel = slot.cancel] { loop(index, stop, cancel); });
}

void CheckerRunner::loop(std::size_t index, std::shared_ptr<bool> stop, std::shared_ptr<std::atomic<bool>> cancel) {
  const CheckerSpec& spec = plan_[index];
  std::shared_ptr<Checker> checker;
  {
    std::lock_guard lock(mutex_);
    checker = slots_[index].checker;
  }
  // The SDK's RunAwareChecker (ABI 1.2) also says which run of the watched thing answered;
  // a checker built for 1.1 is not one and its restarts go unseen.
  const auto run_aware = std::dynamic_pointer_cast<RunAwareChecker>(checker);
  RestartDetector restarts;  // one per run of this thread: its first up probe is no restart
  std::string last_value = "init";
  const bool runs_handler = handler_ && spec.path == FailurePath::direct && spec.action == config::FailureAction::handler;
  for (;;) {
    Result<RunCheckResult> result = RunCheckResult{};
    if (run_aware) {
      result = run_aware->probe_run(spec.timeout);
    } else if (auto plain = checker->probe(spec.timeout); plain) {
      result = RunCheckResult{*plain, {}, {}};
    } else {
      result = std::move(plain).error();
    }
    {
      std::lock_guard lock(mutex_);
      if (*stop) return;  // stopped while probing: the result belongs to a state that is gone
    }
    Observation seen{spec.resource, "unknown", {}, &spec, std::nullopt, {}};
    if (result) {
      seen.value = result->check.up ? "up" : "down";
      seen.reason = result->check.reason;
      seen.thing = result->thing;
      seen.restart = restarts.observe(result->check.up, result->run);
    } else {
      seen.reason = result.error().message;
    }
    observer_(seen);
    // Once per fall, as errd's standard actions: the next fall runs it again.
    if (runs_handler && seen.value == "down" && last_value != "down") handler_(spec, seen, cancel);
    last_value = seen.value;
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, spec.interval, [&] { return *stop; })) return;
  }
}

std::vector<std::string> CheckerRunner::follow(ModuleState state, SubState sub) {
  {
    std::lock_guard lock(mutex_);
    if (in_role(state) && !in_role(state_)) ++starts_;
    state_ = state;
    sub_ = sub;
  }
  return apply();
}

std::vector<std::string> CheckerRunner::set_checkers_enabled(bool on) {
  {
    std::lock_guard lock(mutex_);
    checkers_on_ = on;
  }
  return apply();
}

std::vector<std::string> CheckerRunner::set_errd_enabled(bool on) {
  {
    std::lock_guard lock(mutex_);
    errd_on_ = on;
  }
  return apply();
}

std::vector<std::string> CheckerRunner::set_class_enabled(const std::string& klass, bool on) {
  {
    std::lock_guard lock(mutex_);
    if (on) enabled_classes_.insert(klass);
    else enabled_classes_.erase(klass);
  }
  return apply();
}

std::uint64_t CheckerRunner::starts() const {
  std::lock_guard lock(mutex_);
  return starts_;
}

std::vector<std::string> CheckerRunner::running() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < plan_.size(); ++i)
    if (slots_[i].running) out.push_back(plan_[i].resource);
  return out;
}

void CheckerRunner::stop_all() {
  std::vector<std::thread> finished;
  {
    std::lock_guard lock(mutex_);
    for (auto& slot : slots_) {
      if (!slot.running) continue;
      *slot.stop = true;
      *slot.cancel = true;
      slot.running = false;
      finished.push_back(std::move(slot.thread));
    }
  }
  wake_.notify_all();
  for (auto& t : finished) t.join();
}

}  // namespace haven::checks
