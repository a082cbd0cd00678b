// `haven -H NODES cmd ...`: the same command run on several nodes. For each node a child
// `haven --target NODE cmd ...` runs in parallel; its requests go through the local havend's
// `relay` to that node's havend, so waiting commands poll through the relay too.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli_context.hpp"

namespace haven::cli {

/// Thrown from the parse callback to end `haven` with this exit code, skipping the command's
/// own callback (it ran in the children).
struct FanoutDone {
  int exit_code = 0;
};

/// With -H: runs the command on each node and returns the exit code (0 only if every node
/// succeeded). With --target alone (a child): nullopt when the command may run, else the
/// error is reported and its exit code returned. Without either: nullopt.
std::optional<int> fan_out_if_asked(CliContext& ctx, const std::string& command, int argc, char** argv);

/// argv without the -H option and its value (`-H X`, `-HX`, `-H=X`), argv[0] kept.
std::vector<std::string> without_host_option(int argc, char** argv);

}  // namespace haven::cli
