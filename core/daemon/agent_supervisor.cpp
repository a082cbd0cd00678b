#include "daemon/agent_supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "state/agent_state_record.hpp"
#include "control/control_client.hpp"

namespace haven {
namespace {

std::string last_lines(const std::filesystem::path& file, std::size_t count) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > count) lines.erase(lines.begin());
  }
  std::ostringstream out;
  for (const auto& l : lines) out << "\n  | " << l;
  return out.str();
}

constexpr int kUnknownStatus = -1;

std::string describe_status(int status) {
  if (status == kUnknownStatus) return "exit status unknown: it was started by an earlier havend";
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "status " + std::to_string(status);
}

}  // namespace

std::filesystem::path agent_output_file(const HavenPaths& paths, const std::string& module) {
  return paths.module_log_dir(module) / "agent.out";
}

AgentSupervisor::AgentSupervisor(HavenPaths paths, std::string node, std::shared_ptr<spdlog::logger> log)
    : paths_(std::move(paths)), node_(std::move(node)), log_(std::move(log)) {
  reaper_ = std::thread([this] { reap_loop(); });
}

AgentSupervisor::~AgentSupervisor() { shutdown(); }

void AgentSupervisor::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (reaper_.joinable()) reaper_.join();
}

std::optional<AgentProcess> AgentSupervisor::find(const std::string& module) const {
  std::lock_guard lock(mu_);
  auto it = agents_.find(module);
  if (it == agents_.end()) return std::nullopt;
  return it->second;
}

std::vector<AgentProcess> AgentSupervisor::running() const {
  std::lock_guard lock(mu_);
  std::vector<AgentProcess> out;
  for (const auto& [_, a] : agents_) out.push_back(a);
  return out;
}

bool AgentSupervisor::wait_exit(const std::string& module, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return exited_.wait_for(lock, timeout, [&] { return agents_.find(module) == agents_.end(); });
}

Result<pid_t> AgentSupervisor::spawn(const std::string& module, bool after_crash) {
  auto exe = executable_dir() / "haven-agent";
  auto out = agent_output_file(paths_, module);
  std::error_code ec;
  std::filesystem::create_directories(out.parent_path(), ec);
  std::vector<std::string> args{exe.string(), "--module", module, "--node", node_};
  if (after_crash) args.push_back("--after-crash");
  if (!paths_.root().empty()) {
    args.push_back("--root");
    args.push_back(paths_.root().string());
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::io_error, std::string("cannot fork the agent of module ") + module + ": " + std::strerror(errno));
  if (pid == 0) {
    ::setsid();  // its own session: the daemon's signals and terminal never reach it
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(exe.c_str(), argv.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", exe.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

Result<AgentProcess> AgentSupervisor::ensure_running(const std::string& module) {
  std::lock_guard start_lock(start_mu_);
  if (auto existing = find(module)) return *existing;
  // The forced stop hooks of a crashed agent must finish before the module starts again.
  if (!wait_cleanup(module, std::chrono::seconds(60)))
    return fail(Errc::refused, "module " + module + " is still being cleaned up after its agent died (forced stop "
                               "hooks running); retry in a moment, see haven log -m " + module);

  auto pid = spawn(module);
  if (!pid.ok()) return std::move(pid).error();
  AgentProcess agent{module, *pid, std::chrono::system_clock::now()};
  {
    std::lock_guard lock(mu_);
    agents_[module] = agent;
  }
  log_->info("started the agent of module {} (pid {})", module, *pid);

  ControlRequest ping;
  ping.command = "ping";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!find(module))
      return fail(Errc::internal, "the agent of module " + module + " exited while starting; its last words (" +
                                      agent_output_file(paths_, module).string() + "):" +
                                      last_lines(agent_output_file(paths_, module), 8));
    auto r = send_control_request(paths_.agent_socket(module), ping, std::chrono::milliseconds(500));
    if (r.ok()) return agent;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(*pid, SIGKILL);
  return fail(Errc::timeout, "the agent of module " + module + " did not answer on " +
                                 paths_.agent_socket(module).string() + " within 15 s; it was killed");
}

void AgentSupervisor::adopt_running_agents() {
  std::error_code ec;
  auto dir = paths_.agent_socket("x").parent_path();
  if (!std::filesystem::is_directory(dir, ec)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".sock") continue;
    const std::string module = entry.path().stem().string();
    ControlRequest req;
    req.command = "state";
    req.module = module;
    auto r = send_control_request(entry.path(), req, std::chrono::seconds(2));
    if (r.ok() && r->ok && r->data.is_object() && r->data.contains("pid") &&
        r->data["pid"].is_number_integer()) {
      AgentProcess agent{module, r->data["pid"].get<pid_t>(), std::chrono::system_clock::now(), true};
      {
        std::lock_guard lock(mu_);
        agents_[module] = agent;
      }
      log_->info("took over the running agent of module {} (pid {}, state {})", module, agent.pid,
                 r->data.value("state", "?"));
    } else {
      log_->warn("the agent of module {} died while havend was not running; removing its socket {}", module,
                 entry.path().string());
      std::filesystem::remove(entry.path(), ec);
      start_crash_cleanup(module);
    }
  }
}

void AgentSupervisor::check_adopted() {
  std::vector<AgentProcess> gone;
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, a] : agents_)
      if (a.adopted && ::kill(a.pid, 0) != 0 && errno == ESRCH) gone.push_back(a);
  }
  for (const auto& a : gone) {
    // Not our child: no exit status. A clean exit removes its socket; a crash leaves it.
    std::error_code ec;
    bool clean = !std::filesystem::exists(paths_.agent_socket(a.module), ec);
    on_exit(a.pid, clean ? 0 : kUnknownStatus);
  }
}

void AgentSupervisor::reap_loop() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      on_exit(pid, status);
      continue;
    }
    check_adopted();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void AgentSupervisor::start_crash_cleanup(const std::string& module) {
  // The agent records each state it enters; STOP (or nothing) means nothing is left running.
  auto recorded = load_agent_state(paths_.agent_state_file(module));
  if (!recorded || *recorded == "STOP") return;
  // Held across the fork so that the reaper cannot see the child exit before it is known.
  std::lock_guard lock(mu_);
  auto pid = spawn(module, true);
  if (!pid.ok()) {
    log_->error("cannot clean up after the agent of module {}: {}", module, pid.error().message);
    return;
  }
  log_->warn("running the forced stop hooks of module {} after its agent died (pid {})", module, *pid);
  cleanups_[*pid] = module;
}

bool AgentSupervisor::wait_cleanup(const std::string& module, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return exited_.wait_for(lock, timeout, [&] {
    for (const auto& [_, m] : cleanups_)
      if (m == module) return false;
    return true;
  });
}

void AgentSupervisor::on_exit(pid_t pid, int status) {
  std::string module;
  {
    std::lock_guard lock(mu_);
    if (auto c = cleanups_.find(pid); c != cleanups_.end()) {
      const std::string cleaned = c->second;
      cleanups_.erase(c);
      exited_.notify_all();
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        log_->info("module {} cleaned up after its agent died: forced stop hooks done", cleaned);
      else
        log_->error("the clean-up of module {} after its agent died had failures ({}); see haven log -m {}", cleaned,
                    describe_status(status), cleaned);
      return;
    }
    for (auto it = agents_.begin(); it != agents_.end(); ++it) {
      if (it->second.pid == pid) {
        module = it->first;
        agents_.erase(it);
        break;
      }
    }
  }
  exited_.notify_all();
  if (module.empty()) return;
  std::error_code ec;
  std::filesystem::remove(paths_.agent_socket(module), ec);
  if (status != kUnknownStatus && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    log_->info("the agent of module {} (pid {}) exited: the module is stopped", module, pid);
  } else {
    log_->error("the agent of module {} (pid {}) died ({}): the module has failed on this node; "
                "see {} and the module log",
                module, pid, describe_status(status), agent_output_file(paths_, module).string());
    start_crash_cleanup(module);
  }
}

}  // namespace haven
