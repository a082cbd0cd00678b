// Running a command to its end with a bounded wait, capturing what it printed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace haven::cluster {

/// How a finished command ended and what it printed.
struct CommandOutput {
  int exit_code = -1;      ///< 128+N when killed by signal N; -1 when it could not be started
  std::string out;
  std::string err;
  bool timed_out = false;  ///< killed (with its process group) when its time ran out

  bool ok() const { return exit_code == 0 && !timed_out; }
  /// "`argv...`: exit N; stdout: ...; stderr: ..." for error and assertion messages.
  std::string describe() const;
  std::string command;     ///< the command line, for describe()
};

/// Runs argv (argv[0] looked up in PATH) in its own process group, feeding `input` on its
/// standard input, and waits at most `timeout`; then kills the group. Output that a
/// background grandchild keeps writing after the command ended is not waited for.
/// Thread-safe: every descriptor is close-on-exec. Sets SIGPIPE to SIG_IGN in this process (a
/// command that does not read its input must not kill us).
CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& input = {});

/// The iproute2 `ip` program ("/usr/sbin/ip" or wherever it is), or "ip" when not found.
const std::string& ip_program();

/// {ip, "netns", "exec", netns, argv...}: the command run inside a network namespace, with
/// /sys remounted for that namespace (so /sys/class/net shows its interfaces).
std::vector<std::string> in_netns(const std::string& netns, const std::vector<std::string>& argv);

}  // namespace haven::cluster
