#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace haven::test {
namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string CommandResult::describe() const {
  return "exit " + std::to_string(exit_code) + (timed_out ? " (timed out)" : "") + "\n--- stdout:\n" + out +
         "\n--- stderr:\n" + err;
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t spawn_child(const ChildSpec& spec) {
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) {
    if (pid > 0) ::setpgid(pid, pid);
    return pid;
  }
  ::setpgid(0, 0);
  for (const auto& [name, value] : spec.env) {
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
  int in = ::open("/dev/null", O_RDONLY);
  int out = ::open(spec.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = ::open(spec.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0 || err < 0) ::_exit(126);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  ::execv(argv[0], argv.data());
  std::fprintf(stderr, "cannot execute %s: %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

CommandResult run_child(const ChildSpec& spec, std::chrono::milliseconds timeout) {
  CommandResult result;
  const pid_t pid = spawn_child(spec);
  if (pid < 0) {
    result.err = std::string("fork failed: ") + std::strerror(errno);
    return result;
  }
  auto code = wait_child(pid, timeout);
  if (!code) {
    result.timed_out = true;
    ::kill(-pid, SIGKILL);
    code = wait_child(pid, std::chrono::seconds(5));
  }
  result.exit_code = code.value_or(-1);
  result.out = slurp(spec.stdout_file);
  result.err = slurp(spec.stderr_file);
  return result;
}

}  // namespace haven::test
