#include "common/process_runner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

extern char** environ;

namespace haven {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kKeptOutput = 64 * 1024;

void keep_end(std::string& output) {
  if (output.size() > kKeptOutput) output.erase(0, output.size() - kKeptOutput);
}

// Reads what is there now; false at end of file or error.
bool read_available(int fd, std::string& output) {
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    output.append(buffer, static_cast<std::size_t>(n));
    keep_end(output);
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<SystemUser> find_system_user(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr)
    return fail(Errc::not_found, "there is no system user '" + name +
                                     "' on this node (getpwnam); expected the user the program runs as");
  return SystemUser{name, entry.pw_uid, entry.pw_gid};
}

ProcessRequest process_request(std::vector<std::string> argv, std::optional<std::string> user,
                               std::chrono::milliseconds timeout, std::filesystem::path output_file) {
  ProcessRequest r;
  r.argv = std::move(argv);
  r.user = std::move(user);
  r.timeout = timeout;
  r.drop_env_prefixes = {"PG"};
  r.output_file = std::move(output_file);
  return r;
}

namespace {

// Everything a child needs, made before fork: the child then only makes system calls.
struct PreparedExec {
  std::vector<std::string> args, env;
  std::vector<char*> cargv, cenv;
  std::optional<SystemUser> user;
  std::vector<gid_t> groups;
};

Result<PreparedExec> prepare_exec(const ProcessRequest& request, const char* what) {
  const auto& argv = request.argv;
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
    return fail(Errc::invalid_argument, std::string(what) + ": expected an absolute program path, got '" +
                                            (argv.empty() ? std::string() : argv[0]) + "'");
  PreparedExec p;
  if (request.user) {
    auto found = find_system_user(*request.user);
    if (!found.ok()) return std::move(found).error();
    p.user = *found;
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (std::any_of(request.drop_env_prefixes.begin(), request.drop_env_prefixes.end(),
                    [&](const std::string& prefix) { return entry.rfind(prefix, 0) == 0; }))
      continue;
    if (p.user && (entry.rfind("HOME=", 0) == 0 || entry.rfind("USER=", 0) == 0 || entry.rfind("LOGNAME=", 0) == 0))
      continue;
    p.env.emplace_back(entry);
  }
  if (p.user) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    std::string home = "/";
    if (::getpwnam_r(p.user->name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
        entry.pw_dir != nullptr)
      home = entry.pw_dir;
    p.env.push_back("HOME=" + home);
    p.env.push_back("USER=" + p.user->name);
    p.env.push_back("LOGNAME=" + p.user->name);
    int count = 64;
    p.groups.resize(static_cast<std::size_t>(count));
    if (::getgrouplist(p.user->name.c_str(), p.user->gid, p.groups.data(), &count) < 0) {
      p.groups.resize(static_cast<std::size_t>(count));
      if (::getgrouplist(p.user->name.c_str(), p.user->gid, p.groups.data(), &count) < 0) count = 0;
    }
    p.groups.resize(static_cast<std::size_t>(count));
    if (p.groups.empty()) p.groups.push_back(p.user->gid);
  }
  for (const auto& extra : request.env) {
    const auto name = extra.substr(0, extra.find('=') + 1);
    std::erase_if(p.env, [&](const std::string& e) { return e.rfind(name, 0) == 0; });
    p.env.push_back(extra);
  }
  p.args = argv;
  for (auto& a : p.args) p.cargv.push_back(a.data());
  p.cargv.push_back(nullptr);
  for (auto& e : p.env) p.cenv.push_back(e.data());
  p.cenv.push_back(nullptr);
  return p;
}

// In the child: standard streams, signals (a handler ignored by the caller is not the
// program's), user, then exec. Never returns.
[[noreturn]] void become(PreparedExec& p, int in_fd, int out_fd) {
  if (in_fd >= 0) ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  if (p.user) {
    if (::setgroups(p.groups.size(), p.groups.data()) != 0 || ::setgid(p.user->gid) != 0 ||
        ::setuid(p.user->uid) != 0) {
      static const char msg[] = "cannot switch to the requested user\n";
      (void)!::write(2, msg, sizeof msg - 1);
      ::_exit(126);
    }
    if (::chdir("/") != 0) ::_exit(126);
  }
  ::execve(p.cargv[0], p.cargv.data(), p.cenv.data());
  const char* why = std::strerror(errno);
  (void)!::write(2, "cannot execute ", 15);
  (void)!::write(2, p.cargv[0], std::strlen(p.cargv[0]));
  (void)!::write(2, ": ", 2);
  (void)!::write(2, why, std::strlen(why));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

// The file the program's output is appended to, opened as the caller; /dev/null when none.
Result<int> open_output(const ProcessRequest& request) {
  const std::filesystem::path file = request.output_file.empty() ? std::filesystem::path("/dev/null") : request.output_file;
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return fail(Errc::io_error, "cannot open " + file.string() + " for the output of " + request.argv[0] + ": " +
                                    std::strerror(errno));
  return fd;
}

}  // namespace

Result<ProcessOutcome> run_process(const ProcessRequest& request) {
  const auto& argv = request.argv;
  const auto& output_file = request.output_file;
  const auto timeout = request.timeout;
  auto prepared = prepare_exec(request, "run_process");
  if (!prepared.ok()) return std::move(prepared).error();
  PreparedExec& exec = *prepared;

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return fail(Errc::io_error, "cannot make a pipe to run " + argv[0] + ": " + std::strerror(errno));
  int output_fd = pipe_fds[1];
  if (!output_file.empty()) {
    auto opened = open_output(request);
    if (!opened.ok()) {
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      return std::move(opened).error();
    }
    output_fd = *opened;
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    become(exec, devnull, output_fd);
  }
  const int fork_errno = errno;
  ::close(pipe_fds[1]);
  if (output_fd != pipe_fds[1]) ::close(output_fd);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return fail(Errc::io_error, "cannot fork to run " + argv[0] + ": " + std::strerror(fork_errno));
  }
  ::setpgid(pid, pid);

  ProcessOutcome result;
  const auto deadline = Clock::now() + timeout;
  bool pipe_open = true;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      status = 0;
      break;
    }
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    if (pipe_open) {
      pollfd p{pipe_fds[0], POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) pipe_open = read_available(pipe_fds[0], result.output);
    } else {
      ::usleep(50 * 1000);
    }
  }
  // What the program wrote before it ended, without waiting for anyone else holding the pipe.
  for (int i = 0; pipe_open && i < 256; ++i) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    pipe_open = read_available(pipe_fds[0], result.output);
  }
  ::close(pipe_fds[0]);
  result.exit_code = result.timed_out ? 128 + SIGKILL : exit_code_of(status);
  return result;
}

Result<pid_t> launch_detached(const ProcessRequest& request) {
  auto prepared = prepare_exec(request, "launch_detached");
  if (!prepared.ok()) return std::move(prepared).error();
  auto output = open_output(request);
  if (!output.ok()) return std::move(output).error();
  const int output_fd = *output;
  int pid_pipe[2];
  if (::pipe2(pid_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(output_fd);
    return fail(Errc::io_error, "cannot make a pipe to start " + request.argv[0] + ": " + std::strerror(err));
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // A double fork: the program is nobody's child (nobody has to reap it) and in a session of
  // its own (a hook's process group being killed leaves it running).
  const pid_t middle = ::fork();
  if (middle == 0) {
    ::setsid();
    const pid_t program = ::fork();
    if (program == 0) become(*prepared, devnull, output_fd);
    (void)!::write(pid_pipe[1], &program, sizeof program);
    ::_exit(program > 0 ? 0 : 1);
  }
  const int fork_errno = errno;
  ::close(pid_pipe[1]);
  ::close(output_fd);
  if (devnull >= 0) ::close(devnull);
  if (middle < 0) {
    ::close(pid_pipe[0]);
    return fail(Errc::io_error, "cannot fork to start " + request.argv[0] + ": " + std::strerror(fork_errno));
  }
  pid_t program = -1;
  ssize_t got = -1;
  do {
    got = ::read(pid_pipe[0], &program, sizeof program);
  } while (got < 0 && errno == EINTR);
  ::close(pid_pipe[0]);
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof program) || program <= 0)
    return fail(Errc::io_error, "cannot fork the process of " + request.argv[0]);
  return program;
}

}  // namespace haven
