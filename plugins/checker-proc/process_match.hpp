// Which running processes an `<errd><proc>` element counts, and whether their number is
// within `atleast`..`atmax`. Pure: the process list comes from the caller.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <haven/config_node.hpp>
#include <haven/result.hpp>

namespace haven::checker_proc {

/// One running process as the matcher sees it.
struct ProcessInfo {
  int pid = 0;
  std::string comm;               ///< kernel name (/proc/PID/comm), at most 15 bytes
  std::vector<std::string> argv;  ///< command line; empty for kernel threads
};

/// What to count, read from `<proc name [nameregex] [argregex] [atleast] [atmax]/>`.
struct ProcessRule {
  std::string name;                       ///< compared with the program's base name
  /// When set, replaces the exact name comparison. Both expressions are compiled by
  /// parse_process_rule to match a whole subject (.*(E).*), linearly: use it to make them.
  std::optional<std::regex> name_regex;
  std::optional<std::regex> arg_regex;    ///< searched in the arguments after argv[0], joined by spaces
  std::string name_regex_text;
  std::string arg_regex_text;
  long atleast = 1;
  long atmax = -1;                        ///< -1: no maximum
};

/// Reads the rule from the `<proc>` element. Errors name the file, line and element, the bad
/// value and what was expected (a number, a valid extended regular expression).
Result<ProcessRule> parse_process_rule(const ConfigNode& element);

/// The program's name: the base name of argv[0], or comm when there is no command line.
std::string program_name(const ProcessInfo& process);

/// True when the process is one the rule counts. Time is linear in the length of the name and
/// the arguments (any local user chooses them, at any length), and no stack grows with it.
bool matches(const ProcessRule& rule, const ProcessInfo& process);

/// How many processes of the list match.
long count_matching(const ProcessRule& rule, const std::vector<ProcessInfo>& processes);

/// The verdict and its reason: "2 processes named nginx running (at least 1 expected)".
struct ProcessVerdict {
  bool up = false;
  std::string reason;
};
ProcessVerdict judge(const ProcessRule& rule, long count);

}  // namespace haven::checker_proc
