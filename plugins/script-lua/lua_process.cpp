#include "lua_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace haven::lua {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Between SIGTERM and SIGKILL to the group at a timeout.
constexpr milliseconds kKillGrace{1000};
// The pace at which a child's exit is checked when no pidfd is available.
constexpr milliseconds kExitPollInterval{20};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int decode_exit(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void drain(int& fd, std::string& into) {
  std::array<char, 8192> buf;
  while (fd >= 0) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      into.append(buf.data(), static_cast<std::size_t>(n));
    } else if (n == 0) {
      close_fd(fd);
    } else if (errno != EINTR) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) close_fd(fd);
      return;
    }
  }
}

}  // namespace

ProcessResult run_process(const ProcessRequest& request) {
  ProcessResult result;
  if (request.argv.empty() || request.argv.front().empty()) {
    result.code = 127;
    result.error = "haven.exec: no command given";
    return result;
  }
  std::vector<std::string> storage = request.argv;
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  int out[2] = {-1, -1};
  if (request.capture && ::pipe2(out, O_CLOEXEC) != 0) {
    result.code = 127;
    result.error = "haven.exec: cannot make a pipe for '" + request.argv[0] + "': " + std::strerror(errno);
    return result;
  }
  int err[2] = {-1, -1};
  if (::pipe2(err, O_CLOEXEC) != 0) {
    close_fd(out[0]);
    close_fd(out[1]);
    result.code = 127;
    result.error = "haven.exec: cannot make a pipe for '" + request.argv[0] + "': " + std::strerror(errno);
    return result;
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  // The child writes straight to our stdout: what we printed must come out first.
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    if (out[1] >= 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(out[1], STDERR_FILENO);
    }
    ::execvp(argv[0], argv.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(err[1], &e, sizeof e);
    ::_exit(127);
  }
  const int fork_errno = errno;
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(devnull);
  if (pid < 0) {
    close_fd(out[0]);
    close_fd(err[0]);
    result.code = 127;
    result.error = "haven.exec: cannot fork to run '" + request.argv[0] + "': " + std::strerror(fork_errno);
    return result;
  }
  ::setpgid(pid, pid);

  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(err[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  close_fd(err[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close_fd(out[0]);
    result.code = 127;
    result.error = "haven.exec: cannot run '" + request.argv[0] + "': " + std::strerror(exec_errno);
    return result;
  }

  if (out[0] >= 0) ::fcntl(out[0], F_SETFL, ::fcntl(out[0], F_GETFL) | O_NONBLOCK);
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  const auto started = Clock::now();
  bool terminating = false;
  Clock::time_point kill_at{};
  int status = 0;
  for (;;) {
    std::array<pollfd, 2> fds{};
    nfds_t n = 0;
    if (out[0] >= 0) fds[n++] = pollfd{out[0], POLLIN, 0};
    if (pidfd >= 0) fds[n++] = pollfd{pidfd, POLLIN, 0};
    int wait_ms = pidfd >= 0 ? -1 : static_cast<int>(kExitPollInterval.count());
    const auto now = Clock::now();
    auto consider = [&](Clock::time_point t) {
      const auto ms = std::max<long long>(0, std::chrono::ceil<milliseconds>(t - now).count());
      wait_ms = wait_ms < 0 ? static_cast<int>(std::min<long long>(ms, 60'000))
                            : std::min(wait_ms, static_cast<int>(std::min<long long>(ms, 60'000)));
    };
    if (!terminating && request.timeout) consider(started + *request.timeout);
    if (terminating) consider(kill_at);
    ::poll(fds.data(), n, wait_ms);
    drain(out[0], result.output);
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    const auto after = Clock::now();
    if (!terminating && request.timeout && after >= started + *request.timeout) {
      ::kill(-pid, SIGTERM);
      terminating = true;
      result.timed_out = true;
      kill_at = after + kKillGrace;
    } else if (terminating && after >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = Clock::time_point::max();
    }
  }
  // Whatever the timed-out program left behind in its group goes too.
  if (result.timed_out) ::kill(-pid, SIGKILL);
  drain(out[0], result.output);
  close_fd(out[0]);
  close_fd(pidfd);
  result.code = decode_exit(status);
  return result;
}

}  // namespace haven::lua
