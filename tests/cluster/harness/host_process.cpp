#include "host_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "command_runner.hpp"

namespace haven::cluster {
namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool reap(ProcessRecord& r) {
  if (r.exit_code) return true;
  if (r.pid <= 0) return true;
  int status = 0;
  const pid_t got = ::waitpid(r.pid, &status, WNOHANG);
  if (got == r.pid) {
    r.exit_code = decode_status(status);
    return true;
  }
  if (got < 0 && errno == ECHILD) {  // reaped elsewhere: treat as ended
    r.exit_code = -1;
    return true;
  }
  return false;
}

bool wait_record(ProcessRecord& r, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!reap(r)) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

bool HostProcess::running() { return record_ && !reap(*record_); }

std::optional<int> HostProcess::wait(std::chrono::milliseconds timeout) {
  if (!record_) return -1;
  if (!wait_record(*record_, timeout)) return std::nullopt;
  return record_->exit_code;
}

bool HostProcess::signal(int sig) {
  if (!running()) return false;
  return ::kill(-record_->pid, sig) == 0;
}

int HostProcess::stop(std::chrono::milliseconds grace) {
  if (!record_) return -1;
  stop_all({record_}, grace);
  return record_->exit_code.value_or(-1);
}

void stop_all(const std::vector<std::shared_ptr<ProcessRecord>>& records, std::chrono::milliseconds grace) {
  for (const auto& r : records)
    if (!reap(*r)) ::kill(-r->pid, SIGTERM);
  const auto deadline = Clock::now() + grace;
  for (const auto& r : records) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (wait_record(*r, std::max(left, std::chrono::milliseconds(0)))) continue;
    ::kill(-r->pid, SIGKILL);
    int status = 0;
    while (::waitpid(r->pid, &status, 0) < 0 && errno == EINTR) {
    }
    r->exit_code = decode_status(status);
  }
}

Result<std::shared_ptr<ProcessRecord>> spawn_in_netns(const std::string& netns, const std::string& host,
                                                      const std::vector<std::string>& argv,
                                                      const std::map<std::string, std::string>& env,
                                                      const std::filesystem::path& log_file) {
  if (argv.empty()) return fail(Errc::invalid_argument, fmt::format("spawn on {}: no command given", host));
  std::error_code ec;
  if (log_file.has_parent_path()) std::filesystem::create_directories(log_file.parent_path(), ec);
  const int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0)
    return fail(Errc::io_error, fmt::format("spawn on {}: cannot open the log file {}: {}", host, log_file.string(),
                                            std::strerror(errno)));
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<std::string> full = in_netns(netns, argv);
  std::vector<char*> cargv;
  for (auto& a : full) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  // Built before fork: the child only calls async-signal-safe functions.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    if (!env.count(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execve(cargv[0], cargv.data(), cenv.data());
    const std::string msg = std::string("cannot execute ") + cargv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(log);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) return fail(Errc::io_error, fmt::format("spawn on {}: fork failed: {}", host, std::strerror(fork_errno)));
  ::setpgid(pid, pid);
  auto record = std::make_shared<ProcessRecord>();
  record->pid = pid;
  record->host = host;
  for (const auto& a : argv) record->command += (record->command.empty() ? "" : " ") + a;
  return record;
}

}  // namespace haven::cluster
