#include "daemon/boot_starter.hpp"

#include "common/module_log.hpp"
#include "common/process_environment.hpp"
#include "daemon/kernel_boot_id.hpp"
#include "daemon/module_boot_facts.hpp"
#include "module_store/module_store.hpp"
#include "state/boot_setting.hpp"

namespace haven {
namespace {

// As `haven start` waits for a module to settle (cli/control_commands.cpp): 15 minutes.
constexpr auto kSettleTimeout = std::chrono::minutes(15);
constexpr auto kSettlePoll = std::chrono::milliseconds(200);

}  // namespace

BootStarter::BootStarter(HavenPaths paths, std::shared_ptr<spdlog::logger> log)
    : paths_(std::move(paths)), log_(std::move(log)) {}

BootStarter::~BootStarter() { stop(); }

void BootStarter::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    threads.swap(starts_);
  }
  wake_.notify_all();
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

bool BootStarter::sleep_until(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  return !wake_.wait_until(lock, until, [this] { return stopping_; });
}

void BootStarter::module_log(const std::string& module, LogLevel level, const std::string& text) {
  const auto files = module_log_files(paths_, module);
  for (const auto& file : {files.module_log, files.verbose_log})
    if (auto st = append_log_line(file, level, text); !st.ok()) log_->warn("{}", st.error().message);
}

std::optional<DaemonStart> BootStarter::classify_and_record() {
  auto current = current_boot_id(process_environment());
  if (!current.ok()) {
    log_->error("{}", current.error().message);
    return std::nullopt;
  }
  const auto file = last_boot_id_file(paths_);
  auto recorded = load_last_boot_id(file);
  if (!recorded.ok()) {
    log_->error("{}; no module is started at boot this time", recorded.error().message);
    return std::nullopt;
  }
  const auto why = classify_daemon_start(*recorded, *current);
  if (why == DaemonStart::node_boot) {
    // Recorded first: a havend that crashes while starting modules must not start them again.
    if (auto st = save_last_boot_id(file, *current); !st.ok())
      log_->error("{}; a restart of havend during this boot would be taken for a node boot", st.error().message);
    log_->info("start at boot: the node booted (boot id {}, havend last ran under {}): starting the modules as "
               "<service boot> and haven boot say",
               *current, recorded->value_or("none recorded"));
  } else {
    log_->info("start at boot: havend restarted during the same boot of the node (boot id {}): no module is started "
               "at boot; each keeps the state it has",
               *current);
  }
  return why;
}

std::vector<ModuleBootFacts> BootStarter::installed_modules(const std::vector<AgentProcess>& running) {
  std::vector<ModuleBootFacts> out;
  auto modules = ModuleStore(paths_).list();
  if (!modules.ok()) {
    log_->error("start at boot: cannot list the installed modules: {}", modules.error().message);
    return out;
  }
  for (const auto& entry : *modules) {
    auto facts = read_module_boot_facts(paths_, entry.name);
    if (!facts.ok()) {
      log_->error("module {}: not started at boot: {}", entry.name, facts.error().message);
      module_log(entry.name, LogLevel::error, "not started at boot: " + facts.error().message);
      continue;
    }
    for (const auto& agent : running)
      if (agent.module == entry.name) facts->running_now = true;
    out.push_back(*facts);
  }
  return out;
}

void BootStarter::begin(const std::vector<AgentProcess>& running, Dispatch dispatch) {
  const auto began = std::chrono::steady_clock::now();
  auto why = classify_and_record();
  if (!why || *why == DaemonStart::daemon_restart) return;

  const auto modules = installed_modules(running);
  const auto plan = plan_boot_starts(*why, modules);
  for (const auto& m : modules) {
    if (m.running_now) {
      log_->info("module {}: already running, nothing to start at boot", m.module);
      continue;
    }
    const auto verdict = boot_verdict(m.configured, m.setting);
    if (!verdict.start) log_->info("module {}: not started at boot ({})", m.module, verdict.reason);
  }
  std::lock_guard lock(mu_);
  if (stopping_) return;
  for (const auto& planned : plan) {
    if (planned.delay.count() > 0)
      log_->info("module {}: starts at boot in {} (boot_delay; {})", planned.module, describe_delay(planned.delay),
                 planned.reason);
    starts_.emplace_back([this, planned, due = began + planned.delay, dispatch] { start_after_delay(planned, due, dispatch); });
  }
}

void BootStarter::start_after_delay(PlannedBootStart planned, std::chrono::steady_clock::time_point due,
                                    Dispatch dispatch) {
  if (!sleep_until(due)) {
    log_->info("module {}: its start at boot is cancelled: havend is stopping", planned.module);
    return;
  }
  ControlRequest request;
  request.command = "start";
  request.module = planned.module;
  const auto answer = dispatch(request);
  if (!answer.ok) {
    log_->error("module {}: the start at boot ({}) failed: {}", planned.module, planned.reason, answer.message);
    module_log(planned.module, LogLevel::error, "the start at boot (" + planned.reason + ") failed: " + answer.message);
    return;
  }
  log_->info("module {}: started at boot ({})", planned.module, planned.reason);
  module_log(planned.module, LogLevel::info, "started at boot (" + planned.reason + ")");
  watch_outcome(planned, dispatch);
}

void BootStarter::watch_outcome(const PlannedBootStart& planned, const Dispatch& dispatch) {
  ControlRequest request;
  request.command = "state";
  request.module = planned.module;
  const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto answer = dispatch(request);
    if (answer.ok && answer.data.is_array() && !answer.data.empty() && answer.data[0].is_object()) {
      const auto& m = answer.data[0];
      if (m.value("substate", "") != "Transient") {
        if (m.value("state", "") == "STOP") {
          // Once its agent has exited, havend only knows "stopped": the module log says more.
          const std::string reason = m.value("reason", std::string());
          const std::string why = reason.empty() || reason == "stopped"
                                      ? "a start hook failed or a checker stopped it (the lines above say which)"
                                      : reason;
          log_->error("module {}: started at boot ({}) but it ended STOP: {}; see haven log -m {}", planned.module,
                      planned.reason, why, planned.module);
          module_log(planned.module, LogLevel::error, "the start at boot ended STOP: " + why);
        }
        return;
      }
    }
    if (!sleep_until(std::chrono::steady_clock::now() + kSettlePoll)) return;
  }
  log_->warn("module {}: started at boot, still Transient after {} min; see haven log -m {}", planned.module,
             std::chrono::duration_cast<std::chrono::minutes>(kSettleTimeout).count(), planned.module);
}

}  // namespace haven
