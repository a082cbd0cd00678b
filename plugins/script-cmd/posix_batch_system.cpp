#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "batch_system.hpp"

namespace haven::cmd {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::optional<std::string> PosixBatchSystem::find_program(const std::string& name, const std::string& path_variable,
                                                          const std::string& cwd) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    std::filesystem::path p(name);
    if (p.is_relative() && !cwd.empty()) p = std::filesystem::path(cwd) / p;
    if (is_executable_file(p.string())) return p.string();
    return std::nullopt;
  }
  std::size_t start = 0;
  while (start <= path_variable.size()) {
    auto end = path_variable.find(':', start);
    if (end == std::string::npos) end = path_variable.size();
    const auto dir = path_variable.substr(start, end - start);
    if (!dir.empty()) {
      const auto candidate = (std::filesystem::path(dir) / name).string();
      if (is_executable_file(candidate)) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

Result<int> PosixBatchSystem::run(const ProcessRequest& request) {
  auto argv = c_strings(request.argv);
  auto envp = c_strings(request.environment);
  std::fflush(nullptr);
  // An exec failure is reported through a close-on-exec pipe, so the caller gets a real error.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0)
    return fail(Errc::io_error, std::string("cannot make a pipe to start ") + request.program + ": " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(report[0]);
    ::close(report[1]);
    return fail(Errc::io_error, "cannot start " + request.program + ": fork failed: " + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(report[0]);
    // Move the wanted descriptors out of the way first: they may be 0, 1 or 2 themselves.
    const int in = ::fcntl(request.stdin_fd, F_DUPFD_CLOEXEC, 10);
    const int out = ::fcntl(request.stdout_fd, F_DUPFD_CLOEXEC, 10);
    const int err = ::fcntl(request.stderr_fd, F_DUPFD_CLOEXEC, 10);
    int e = 0;
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) e = errno;
    if (e == 0 && !request.cwd.empty() && ::chdir(request.cwd.c_str()) != 0) e = errno;
    if (e == 0) {
      ::execve(request.program.c_str(), argv.data(), envp.data());
      e = errno;
    }
    [[maybe_unused]] auto written = ::write(report[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(report[1]);
  int child_errno = 0;
  ssize_t got;
  do {
    got = ::read(report[0], &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  ::close(report[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail(Errc::io_error, "lost track of " + request.program + ": " + std::strerror(errno));
  }
  if (got == static_cast<ssize_t>(sizeof child_errno))
    return fail(Errc::io_error, "cannot run " + request.program + " (in " + request.cwd + "): " + std::strerror(child_errno));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

void PosixBatchSystem::sleep_seconds(long long seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::seconds(seconds));
}

}  // namespace haven::cmd
