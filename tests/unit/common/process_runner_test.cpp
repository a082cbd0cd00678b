// The host's process runner: output, exit codes, users, environment, timeouts that kill the
// whole group, and refusals.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "common/process_runner.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

ProcessRequest shell(const std::string& script, std::chrono::milliseconds timeout = 10s) {
  ProcessRequest r;
  r.argv = {"/bin/sh", "-c", script};
  r.timeout = timeout;
  return r;
}

}  // namespace

TEST_CASE("a program's output and exit code come back; env entries are added", "[process_runner]") {
  auto request = shell("echo out:$HAVEN_RUNNER_TEST; echo err >&2; exit 3");
  request.env = {"HAVEN_RUNNER_TEST=given"};
  auto ran = run_process(request);
  REQUIRE(ran.ok());
  CHECK(ran->exit_code == 3);
  CHECK_FALSE(ran->timed_out);
  CHECK(ran->output.find("out:given") != std::string::npos);
  CHECK(ran->output.find("err") != std::string::npos);
}

TEST_CASE("variables with a dropped prefix do not reach the program", "[process_runner]") {
  ::setenv("PGHAVENTEST", "leaked", 1);
  auto request = shell("echo ${PGHAVENTEST:-absent}");
  request.drop_env_prefixes = {"PG"};
  auto ran = run_process(request);
  ::unsetenv("PGHAVENTEST");
  REQUIRE(ran.ok());
  CHECK(ran->output == "absent\n");
}

TEST_CASE("at its timeout the program's whole process group is killed", "[process_runner]") {
  const auto marker = std::filesystem::temp_directory_path() / ("haven-runner-" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  // A background child that would write the marker after 1 s: killed with the group, it never does.
  auto ran = run_process(shell("(sleep 1; touch " + marker.string() + ") & sleep 30", 300ms));
  REQUIRE(ran.ok());
  CHECK(ran->timed_out);
  CHECK(ran->exit_code == 128 + 9);
  ::sleep(2);
  CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("a program runs as the user asked for, its output can go to a file", "[process_runner]") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: running as another user needs root");
    return;
  }
  const auto log = std::filesystem::temp_directory_path() / ("haven-runner-log-" + std::to_string(::getpid()));
  std::filesystem::remove(log);
  auto request = process_request({"/usr/bin/id", "-un"}, std::string("nobody"), 10s, log);
  auto ran = run_process(request);
  REQUIRE(ran.ok());
  CHECK(ran->exit_code == 0);
  CHECK(ran->output.empty());
  std::ifstream in(log);
  std::string who;
  std::getline(in, who);
  CHECK(who == "nobody");
  std::filesystem::remove(log);
}

TEST_CASE("what cannot be run at all is an error that names it", "[process_runner]") {
  auto relative = run_process(process_request({"id"}, std::nullopt, 1s));
  REQUIRE_FALSE(relative.ok());
  CHECK(relative.error().code == Errc::invalid_argument);
  auto nobody = run_process(process_request({"/usr/bin/id"}, std::string("no-such-user-haven"), 1s));
  REQUIRE_FALSE(nobody.ok());
  CHECK_THAT(nobody.error().message, Catch::Contains("no-such-user-haven"));
  auto missing = run_process(process_request({"/no/such/program"}, std::nullopt, 5s));
  REQUIRE(missing.ok());  // it was run: the child could not exec
  CHECK(missing->exit_code == 127);
  CHECK_THAT(missing->output, Catch::Contains("/no/such/program"));
}

TEST_CASE("a detached program outlives the call: its pid comes back at once, nobody's child, its output in a file",
          "[process_runner]") {
  const auto dir = std::filesystem::temp_directory_path() / ("haven-detached-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ::setenv("HVDROP_SECRET", "no", 1);
  ProcessRequest request;
  request.argv = {"/bin/sh", "-c", "echo $$ > \"$0\"/pid; echo \"out ${HVDROP_SECRET:-dropped} $ADDED\"; exec sleep 30",
                  dir.string()};
  request.drop_env_prefixes = {"HVDROP_"};
  request.env = {"ADDED=yes"};
  request.output_file = dir / "out.log";
  const auto asked = std::chrono::steady_clock::now();
  auto pid = launch_detached(request);
  REQUIRE(pid.ok());
  CHECK(std::chrono::steady_clock::now() - asked < 5s);  // not the program's 30 s
  pid_t written = 0;
  for (int i = 0; i < 200 && written == 0; ++i) {
    std::ifstream(dir / "pid") >> written;
    if (written == 0) ::usleep(10000);
  }
  CHECK(written == *pid);
  errno = 0;
  CHECK(::waitpid(*pid, nullptr, WNOHANG) == -1);  // not this process's child
  CHECK(errno == ECHILD);
  CHECK(::getsid(*pid) != ::getsid(0));  // not in the caller's session
  std::string line;
  for (int i = 0; i < 200 && line.empty(); ++i) {
    std::ifstream in(dir / "out.log");
    std::getline(in, line);
    if (line.empty()) ::usleep(10000);
  }
  CHECK(line == "out dropped yes");
  ::kill(*pid, SIGKILL);
  ::unsetenv("HVDROP_SECRET");
  std::filesystem::remove_all(dir);

  ProcessRequest relative;
  relative.argv = {"sh", "-c", "true"};
  auto refused = launch_detached(relative);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == Errc::invalid_argument);
  CHECK(refused.error().message.find("launch_detached: expected an absolute program path, got 'sh'") != std::string::npos);
}
