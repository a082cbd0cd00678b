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

Result<ProcessOutcome> run_process(const ProcessRequest& request) {
  const auto& argv = request.argv;
  const auto& output_file = request.output_file;
  const auto timeout = request.timeout;
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
    return fail(Errc::invalid_argument, "run_process: expected an absolute program path, got '" +
                                            (argv.empty() ? std::string() : argv[0]) + "'");
  std::optional<SystemUser> user;
  if (request.user) {
    auto found = find_system_user(*request.user);
    if (!found.ok()) return std::move(found).error();
    user = *found;
  }
  // Everything the child needs is made before fork: it then only makes system calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (std::any_of(request.drop_env_prefixes.begin(), request.drop_env_prefixes.end(),
                    [&](const std::string& prefix) { return entry.rfind(prefix, 0) == 0; }))
      continue;
    if (user && (entry.rfind("HOME=", 0) == 0 || entry.rfind("USER=", 0) == 0 || entry.rfind("LOGNAME=", 0) == 0))
      continue;
    env_strings.emplace_back(entry);
  }
  std::vector<gid_t> groups;
  if (user) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    std::string home = "/";
    if (::getpwnam_r(user->name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
        entry.pw_dir != nullptr)
      home = entry.pw_dir;
    env_strings.push_back("HOME=" + home);
    env_strings.push_back("USER=" + user->name);
    env_strings.push_back("LOGNAME=" + user->name);
    int count = 64;
    groups.resize(static_cast<std::size_t>(count));
    if (::getgrouplist(user->name.c_str(), user->gid, groups.data(), &count) < 0) {
      groups.resize(static_cast<std::size_t>(count));
      if (::getgrouplist(user->name.c_str(), user->gid, groups.data(), &count) < 0) count = 0;
    }
    groups.resize(static_cast<std::size_t>(count));
    if (groups.empty()) groups.push_back(user->gid);
  }
  for (const auto& extra : request.env) {
    const auto name = extra.substr(0, extra.find('=') + 1);
    std::erase_if(env_strings, [&](const std::string& e) { return e.rfind(name, 0) == 0; });
    env_strings.push_back(extra);
  }
  std::vector<char*> cargv, cenv;
  std::vector<std::string> args = argv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return fail(Errc::io_error, "cannot make a pipe to run " + argv[0] + ": " + std::strerror(errno));
  int output_fd = pipe_fds[1];
  if (!output_file.empty()) {
    output_fd = ::open(output_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (output_fd < 0) {
      const int err = errno;
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      return fail(Errc::io_error, "cannot open " + output_file.string() + " for the output of " + argv[0] + ": " +
                                      std::strerror(err));
    }
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(output_fd, 1);
    ::dup2(output_fd, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (user) {
      if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(user->gid) != 0 || ::setuid(user->uid) != 0) {
        static const char msg[] = "cannot switch to the requested user\n";
        (void)!::write(2, msg, sizeof msg - 1);
        ::_exit(126);
      }
      if (::chdir("/") != 0) ::_exit(126);
    }
    ::execve(cargv[0], cargv.data(), cenv.data());
    const char* why = std::strerror(errno);
    (void)!::write(2, "cannot execute ", 15);
    (void)!::write(2, cargv[0], std::strlen(cargv[0]));
    (void)!::write(2, ": ", 2);
    (void)!::write(2, why, std::strlen(why));
    (void)!::write(2, "\n", 1);
    ::_exit(127);
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

}  // namespace haven
