#include "command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

namespace haven::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Once the command itself has ended, how long a grandchild still holding its output may delay us.
constexpr milliseconds kDrainAfterExit{200};

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

struct Pipe {
  int read = -1;
  int write = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~Pipe() {
    close_fd(read);
    close_fd(write);
  }
};

std::optional<int> try_reap(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == pid) return decode_status(status);
  if (r < 0 && errno != EINTR) return -1;
  return std::nullopt;
}

}  // namespace

std::string CommandOutput::describe() const {
  std::string s = "`" + command + "`: exit " + std::to_string(exit_code);
  if (timed_out) s += " (timed out, killed)";
  if (!out.empty()) s += "; stdout: " + out;
  if (!err.empty()) s += "; stderr: " + err;
  return s;
}

const std::string& ip_program() {
  static const std::string path = [] {
    for (const char* candidate : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
      if (::access(candidate, X_OK) == 0) return std::string(candidate);
    return std::string("ip");
  }();
  return path;
}

std::vector<std::string> in_netns(const std::string& netns, const std::vector<std::string>& argv) {
  std::vector<std::string> full{ip_program(), "netns", "exec", netns};
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& input) {
  CommandOutput result;
  result.command = join(argv);
  if (argv.empty()) {
    result.err = "no command given";
    return result;
  }
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open()) {
    result.err = std::string("cannot create a pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    result.err = std::string("fork failed: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in.read, 0);
    ::dup2(out.write, 1);
    ::dup2(err.write, 2);
    ::execvp(cargv[0], cargv.data());
    const std::string msg = std::string("cannot execute ") + cargv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  Pipe::close_fd(in.read);
  Pipe::close_fd(out.write);
  Pipe::close_fd(err.write);
  if (input.empty()) Pipe::close_fd(in.write);
  else ::fcntl(in.write, F_SETFL, O_NONBLOCK);

  const auto deadline = Clock::now() + timeout;
  std::optional<Clock::time_point> drain_deadline;
  std::optional<int> code;
  size_t written = 0;
  ::signal(SIGPIPE, SIG_IGN);  // a command that does not read its input must not kill us
  while (out.read >= 0 || err.read >= 0 || !code) {
    if (!code) {
      code = try_reap(pid);
      if (code) drain_deadline = Clock::now() + kDrainAfterExit;
    }
    const auto now = Clock::now();
    if (now >= deadline || (drain_deadline && now >= *drain_deadline)) break;
    if (out.read < 0 && err.read < 0) {
      // Output closed but still running: wait for its exit in short steps.
      ::poll(nullptr, 0, 5);
      continue;
    }
    pollfd fds[3];
    nfds_t n = 0;
    if (out.read >= 0) fds[n++] = {out.read, POLLIN, 0};
    if (err.read >= 0) fds[n++] = {err.read, POLLIN, 0};
    if (in.write >= 0) fds[n++] = {in.write, POLLOUT, 0};
    ::poll(fds, n, code ? 5 : 20);
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.write) {
        const ssize_t w = ::write(in.write, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();
        if (written >= input.size()) Pipe::close_fd(in.write);
        continue;
      }
      char buf[4096];
      const ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      std::string& sink = fds[i].fd == out.read ? result.out : result.err;
      if (r > 0) sink.append(buf, static_cast<size_t>(r));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) Pipe::close_fd(fds[i].fd == out.read ? out.read : err.read);
    }
  }
  if (!code) {
    result.timed_out = true;
    ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    code = decode_status(status);
  }
  result.exit_code = *code;
  return result;
}

}  // namespace haven::cluster
