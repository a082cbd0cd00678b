#include "hooks/hook_runner.hpp"

#include "haven/unique_fd.hpp"

#include <dirent.h>

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>

#include "common/haven_paths.hpp"
#include "hooks/hook_output.hpp"

namespace haven {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Without a pidfd (old kernels) the child's exit is noticed by polling at this pace.
constexpr milliseconds kExitPollInterval{50};
constexpr milliseconds kCancelPollInterval{100};


std::string errno_text(int err) { return std::system_category().message(err); }

std::string describe(const HookSpec& spec) {
  std::string s = "hook " + spec.hook;
  if (!spec.module.empty()) s += " of module " + spec.module;
  s += " (" + spec.file.string() + ")";
  return s;
}

int decode_exit(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// The C arrays execve wants, built before fork: the child may not allocate.
struct ExecArgs {
  std::vector<std::string> storage;
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
};

ExecArgs build_exec_args(const HookRunnerOptions& options, const std::filesystem::path& runner,
                         const HookSpec& spec) {
  ExecArgs a;
  a.storage.push_back(runner.string());
  if (options.runner_is_interpreter) {
    a.storage.push_back(spec.file.string());
  } else {
    a.storage.insert(a.storage.end(), {"--hook", spec.hook, "--file", spec.file.string(), "--"});
  }
  a.storage.insert(a.storage.end(), spec.args.begin(), spec.args.end());
  for (auto& s : a.storage) a.argv.push_back(s.data());
  a.argv.push_back(nullptr);
  for (const auto& [k, v] : spec.env) a.env_storage.push_back(k + "=" + v);
  for (auto& s : a.env_storage) a.envp.push_back(s.data());
  a.envp.push_back(nullptr);
  return a;
}

[[noreturn]] void exec_child(const ExecArgs& args, int devnull, int out_write, int err_write) {
  // Only async-signal-safe calls from here on: the agent is multi-threaded.
  // A session of its own (and so a process group): what the hook starts in process groups
  // of their own (haven.exec) stays in the session, so a timeout can reach all of it.
  ::setsid();
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2})
    ::signal(sig, SIG_DFL);
  ::dup2(devnull, STDIN_FILENO);
  ::dup2(out_write, STDOUT_FILENO);
  ::dup2(out_write, STDERR_FILENO);
  // The agent's sockets and files must not leak into the hook and its daemons.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(args.argv[0], args.argv.data(), args.envp.data());
  const int err = errno;
  [[maybe_unused]] auto n = ::write(err_write, &err, sizeof err);
  ::_exit(127);
}

// Reads what the pipe holds now. Returns false at end of file.
bool drain_available(int fd, HookOutput& output) {
  std::array<char, 8192> buf;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      output.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

// A program the hook started in the background still holds the pipe. Closing our end
// would kill it with SIGPIPE at its next line, so its output keeps going to the user log
// until it closes its end; the thread ends then.
void keep_copying_in_background(UniqueFd pipe_read, int log_fd, std::string hook) {
  UniqueFd log_copy(log_fd >= 0 ? ::fcntl(log_fd, F_DUPFD_CLOEXEC, 0) : -1);
  const int flags = ::fcntl(pipe_read.get(), F_GETFL);
  ::fcntl(pipe_read.get(), F_SETFL, flags & ~O_NONBLOCK);
  std::thread([pipe = std::move(pipe_read), log = std::move(log_copy), hook = std::move(hook)]() mutable {
    HookOutput output(log.get(), std::move(hook), 0);
    std::array<char, 8192> buf;
    for (;;) {
      const ssize_t n = ::read(pipe.get(), buf.data(), buf.size());
      if (n > 0) {
        output.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      } else if (n == 0 || errno != EINTR) {
        break;
      }
    }
    output.finish();
  }).detach();
}

// Calls f(pid) for every live (not zombie) process of session `sid`, from /proc.
template <typename F>
void for_each_in_session(pid_t sid, F f) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return;
  while (dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid <= 0) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) continue;
    char buf[512];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) continue;
    buf[n] = '\0';
    // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
    const char* close = std::strrchr(buf, ')');
    if (close == nullptr) continue;
    char state = 0;
    long ppid = 0, pgrp = 0, session = 0;
    if (std::sscanf(close + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &session) != 4) continue;
    if (session == sid && state != 'Z') f(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
}

// Signals the hook's process group and every process left in its session.
void signal_session(pid_t sid, int sig) {
  ::kill(-sid, sig);
  for_each_in_session(sid, [sig](pid_t p) { ::kill(p, sig); });
}

bool session_alive(pid_t sid) {
  bool alive = false;
  for_each_in_session(sid, [&alive](pid_t) { alive = true; });
  return alive;
}

int pidfd_for(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

HookRunner::HookRunner() : HookRunner(HookRunnerOptions{}) {}

HookRunner::HookRunner(HookRunnerOptions options) : options_(std::move(options)) {
  if (options_.runner.empty()) options_.runner = executable_dir() / "haven-hook";
}

Result<HookOutcome> HookRunner::run(const HookSpec& spec) const {
  const auto started = Clock::now();

  UniqueFd log_fd;
  if (!spec.user_log.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(spec.user_log.parent_path(), ec);
    log_fd.reset(::open(spec.user_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (log_fd.get() < 0)
      return fail(Errc::io_error, "cannot open the user log " + spec.user_log.string() + " for " +
                                      describe(spec) + ": " + errno_text(errno));
  }

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    return fail(Errc::io_error, "cannot make the output pipe for " + describe(spec) + ": " + errno_text(errno));
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    return fail(Errc::io_error, "cannot make a pipe for " + describe(spec) + ": " + errno_text(errno));
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (devnull.get() < 0)
    return fail(Errc::io_error, "cannot open /dev/null for " + describe(spec) + ": " + errno_text(errno));

  const auto exec_args = build_exec_args(options_, options_.runner, spec);
  const pid_t pid = ::fork();
  if (pid < 0)
    return fail(Errc::io_error, "cannot fork to run " + describe(spec) + ": " + errno_text(errno));
  if (pid == 0) exec_child(exec_args, devnull.get(), out_write.get(), err_write.get());

  // The session exists once exec succeeded (reported below), before we may signal it.
  out_write.reset();
  err_write.reset();
  devnull.reset();

  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(err_read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return fail(exec_errno == ENOENT ? Errc::not_found : Errc::io_error,
                "cannot run " + describe(spec) + ": the hook runner " + options_.runner.string() +
                    " could not be executed: " + errno_text(exec_errno));
  }
  err_read.reset();

  ::fcntl(out_read.get(), F_SETFL, ::fcntl(out_read.get(), F_GETFL) | O_NONBLOCK);
  UniqueFd pidfd(pidfd_for(pid));
  HookOutput output(log_fd.get(), spec.hook, options_.tail_lines);

  enum class Phase { running, terminating, killed };
  Phase phase = Phase::running;
  const bool has_deadline = spec.timeout.has_value();
  bool outcome_cancelled = false;
  const Clock::time_point deadline = has_deadline ? started + *spec.timeout : Clock::time_point::max();
  Clock::time_point kill_at{};
  bool pipe_open = true;
  bool exited = false;
  int status = 0;

  auto check_timers = [&] {
    const auto now = Clock::now();
    const bool cancelled = spec.cancel && spec.cancel->load();
    if (phase == Phase::running && ((has_deadline && now >= deadline) || cancelled)) {
      outcome_cancelled = cancelled;
      signal_session(pid, SIGTERM);
      phase = Phase::terminating;
      kill_at = now + options_.kill_grace;
    }
    if (phase == Phase::terminating && now >= kill_at) {
      signal_session(pid, SIGKILL);
      phase = Phase::killed;
    }
  };
  auto wait_ms = [&]() -> int {
    std::optional<milliseconds> wait;
    const auto now = Clock::now();
    auto consider = [&](milliseconds m) { wait = wait ? std::min(*wait, m) : m; };
    if (phase == Phase::running && has_deadline) consider(std::chrono::ceil<milliseconds>(deadline - now));
    if (phase == Phase::running && spec.cancel) consider(kCancelPollInterval);
    if (phase == Phase::terminating) consider(std::chrono::ceil<milliseconds>(kill_at - now));
    if (pidfd.get() < 0 || exited) consider(kExitPollInterval);
    if (!wait) return -1;
    return static_cast<int>(std::clamp<long long>(wait->count(), 0, 60'000));
  };

  while (!exited) {
    std::array<pollfd, 2> fds{};
    nfds_t n = 0;
    if (pipe_open) fds[n++] = pollfd{out_read.get(), POLLIN, 0};
    if (pidfd.get() >= 0) fds[n++] = pollfd{pidfd.get(), POLLIN, 0};
    const int ready = ::poll(fds.data(), n, wait_ms());
    if (ready < 0 && errno != EINTR) {
      const int err = errno;
      signal_session(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return fail(Errc::io_error, "lost track of " + describe(spec) + " (poll failed: " + errno_text(err) +
                                      "); its processes were killed");
    }
    if (pipe_open && !drain_available(out_read.get(), output)) pipe_open = false;
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) exited = true;
    else check_timers();
  }

  // A timed-out hook's children may outlive it: they get the rest of the grace, then SIGKILL.
  if (phase == Phase::terminating) {
    while (Clock::now() < kill_at && session_alive(pid)) {
      if (pipe_open) {
        pollfd pfd{out_read.get(), POLLIN, 0};
        ::poll(&pfd, 1, static_cast<int>(kExitPollInterval.count()));
        if (!drain_available(out_read.get(), output)) pipe_open = false;
      } else {
        std::this_thread::sleep_for(kExitPollInterval);
      }
    }
    signal_session(pid, SIGKILL);
  }

  // The hook has exited: take what it wrote, but never wait for end of file, which a
  // program it started in the background may hold off for ever.
  if (pipe_open && !drain_available(out_read.get(), output)) pipe_open = false;
  output.finish();
  if (pipe_open && phase == Phase::running)
    keep_copying_in_background(std::move(out_read), log_fd.get(), spec.hook);

  HookOutcome outcome;
  outcome.exit_code = decode_exit(status);
  outcome.cancelled = outcome_cancelled;
  outcome.timed_out = phase != Phase::running && !outcome_cancelled;
  outcome.output_tail = output.tail();
  outcome.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return outcome;
}

}  // namespace haven
