#include "checks/custom_checker.hpp"

#include <sstream>

#include <fmt/format.h>

#include "checks/checker_activation.hpp"

namespace haven::checks {
namespace {

std::vector<std::string> split_blanks(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace

Result<std::vector<CustomCheckerSpec>> plan_custom_checkers(const config::UserConfig& config, const std::string& module,
                                                            const std::filesystem::path& bin_dir) {
  std::vector<CustomCheckerSpec> plan;
  if (!config.check) return plan;
  for (const auto& checker : config.check->checkers) {
    if (checker.element != "custom") continue;
    const std::filesystem::path exec(checker.exec);
    const auto where = fmt::format("userconfig.xml line {}: <custom ident=\"{}\" exec=\"{}\">", checker.line,
                                   checker.ident, checker.exec);
    bool escapes = exec.empty() || exec.is_absolute();
    for (const auto& part : exec) escapes = escapes || part == "..";
    if (escapes)
      return fail(Errc::invalid_argument,
                  where + ": exec must name a program inside the module's bin folder (" + bin_dir.string() +
                      "), such as exec=\"check_db.sh\"; absolute paths and '..' are not allowed");
    CustomCheckerSpec spec;
    spec.resource = "custom." + checker.ident;
    spec.program = bin_dir / exec;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec.program, ec))
      return fail(Errc::not_found, where + ": the program " + spec.program.string() +
                                       " does not exist; expected a script (.sh, .lua) or an executable in the "
                                       "module's bin folder");
    spec.args = {module, spec.resource};
    for (auto& word : split_blanks(checker.arg)) spec.args.push_back(std::move(word));
    spec.when = checker.when.value_or(config::ActiveWhen::prim);
    spec.line = checker.line;
    plan.push_back(std::move(spec));
  }
  return plan;
}

CustomCheckerProcess::CustomCheckerProcess(CustomCheckerSpec spec, CustomProgramRunner runner, CustomCheckerLog log,
                                           RestartBackoff backoff)
    : spec_(std::move(spec)), runner_(std::move(runner)), log_(std::move(log)), backoff_(backoff) {}

CustomCheckerProcess::~CustomCheckerProcess() { stop_and_wait(); }

bool CustomCheckerProcess::active() const {
  std::lock_guard lock(mutex_);
  return cancel_ != nullptr;
}

int CustomCheckerProcess::starts() const { return starts_.load(); }

void CustomCheckerProcess::set_active(bool active) {
  std::vector<std::thread> ended;
  {
    std::lock_guard lock(mutex_);
    // Supervisors stopped earlier whose programs are gone: joined now, which does not wait.
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->done->load()) {
        ended.push_back(std::move(it->thread));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
    if (active != (cancel_ != nullptr)) {
      if (active) {
        cancel_ = std::make_shared<std::atomic<bool>>(false);
        done_ = std::make_shared<std::atomic<bool>>(false);
        thread_ = std::thread([this, cancel = cancel_, done = done_] { supervise(cancel, done); });
      } else {
        cancel_->store(true);
        cancel_.reset();
        retired_.push_back(Retired{std::move(thread_), std::move(done_)});
      }
    }
  }
  wake_.notify_all();
  for (auto& t : ended) t.join();
}

void CustomCheckerProcess::stop_and_wait() {
  set_active(false);
  std::vector<Retired> waiting;
  {
    std::lock_guard lock(mutex_);
    waiting = std::move(retired_);
    retired_.clear();
  }
  for (auto& r : waiting) r.thread.join();
}

void CustomCheckerProcess::supervise(std::shared_ptr<std::atomic<bool>> cancel, std::shared_ptr<std::atomic<bool>> done) {
  struct MarkDone {
    std::atomic<bool>& flag;
    ~MarkDone() { flag.store(true); }
  } mark{*done};
  auto pause = backoff_.first;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    const int number = ++starts_;
    log_(LogLevel::info, fmt::format("custom checker {}: starting {} {} (run {})", spec_.resource,
                                     spec_.program.string(), fmt::join(spec_.args, " "), number));
    const CustomRunEnd end = runner_(spec_, cancel);
    if (cancel->load()) return;  // stopped by haven: the class turned off or the module stops
    if (std::chrono::steady_clock::now() - started >= backoff_.stable) pause = backoff_.first;
    log_(LogLevel::warning, fmt::format("custom checker {} ({}) exited while it should run ({}); starting it again in "
                                     "{} ms",
                                     spec_.resource, spec_.program.string(), end.detail, pause.count()));
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, pause, [&] { return cancel->load(); })) return;
    pause = std::min(pause * 2, backoff_.max);
  }
}

CustomCheckerSet::CustomCheckerSet(std::vector<CustomCheckerSpec> plan, CustomProgramRunner runner,
                                   CustomCheckerLog log, RestartBackoff backoff) {
  for (auto& spec : plan)
    checkers_.push_back(std::make_unique<CustomCheckerProcess>(std::move(spec), runner, log, backoff));
}

std::vector<std::string> CustomCheckerSet::apply() {
  std::vector<std::string> stopped;
  for (auto& checker : checkers_) {
    const bool want = on_ && is_active(checker->spec().when, "", state_, sub_, {});
    if (!want && checker->active()) stopped.push_back(checker->spec().resource);
    checker->set_active(want);
  }
  return stopped;
}

std::vector<std::string> CustomCheckerSet::follow(ModuleState state, SubState sub) {
  state_ = state;
  sub_ = sub;
  return apply();
}

std::vector<std::string> CustomCheckerSet::set_enabled(bool on) {
  on_ = on;
  return apply();
}

std::vector<std::string> CustomCheckerSet::running() const {
  std::vector<std::string> out;
  for (const auto& checker : checkers_)
    if (checker->active()) out.push_back(checker->spec().resource);
  return out;
}

void CustomCheckerSet::stop_all() {
  for (auto& checker : checkers_) checker->set_active(false);  // every program told at once
  for (auto& checker : checkers_) checker->stop_and_wait();
}

CustomProgramRunner hook_program_runner(std::string module, std::map<std::string, std::string> env,
                                        std::filesystem::path user_log, HookRunnerOptions options) {
  return [module = std::move(module), env = std::move(env), user_log = std::move(user_log),
          options = std::move(options)](const CustomCheckerSpec& spec,
                                        std::shared_ptr<const std::atomic<bool>> cancel) -> CustomRunEnd {
    HookSpec hook;
    hook.module = module;
    hook.hook = spec.resource;
    hook.file = spec.program;
    hook.args = spec.args;
    hook.env = env;
    hook.cancel = std::move(cancel);
    hook.user_log = user_log;
    const HookRunner runner(options);
    auto outcome = runner.run(hook);
    if (!outcome) return {-1, false, outcome.error().message};
    CustomRunEnd end;
    end.exit_code = outcome->exit_code;
    end.killed = outcome->cancelled;
    end.detail = outcome->cancelled ? "killed with its children" : "exit code " + std::to_string(outcome->exit_code);
    if (!outcome->cancelled && !outcome->output_tail.empty()) end.detail += "; last output:\n" + outcome->output_tail;
    return end;
  };
}

}  // namespace haven::checks
