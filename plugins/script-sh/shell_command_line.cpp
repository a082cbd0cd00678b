#include "shell_command_line.hpp"

#include <fstream>
#include <string_view>

namespace haven::sh {
namespace {

// Linux reads at most this much of a "#!" line (BINPRM_BUF_SIZE); we read as much.
constexpr std::size_t kFirstLineLimit = 256;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::string where(const ScriptRun& run) { return "hook " + run.hook + " (" + run.file + ")"; }

}  // namespace

Result<ShellCommandLine> shell_command_line(const ScriptRun& run) {
  std::ifstream in(run.file, std::ios::binary);
  if (!in)
    return fail(Errc::not_found, "cannot read " + where(run) + ": the file does not exist or is not readable");
  std::string head(kFirstLineLimit, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));

  ShellCommandLine cmd;
  if (head.rfind("#!", 0) == 0) {
    // Like the kernel: the interpreter, then everything after it as one argument.
    const auto newline = head.find('\n');
    const auto line = trim(std::string_view(head).substr(2, newline == std::string::npos ? newline : newline - 2));
    const auto gap = line.find_first_of(" \t");
    const auto interpreter = line.substr(0, gap);
    if (interpreter.empty())
      return fail(Errc::invalid_argument, where(run) + " starts with \"#!\" but names no interpreter on line 1; "
                                                       "write e.g. #!/bin/sh, or remove the line");
    cmd.program = std::string(interpreter);
    cmd.argv.push_back(cmd.program);
    if (gap != std::string_view::npos) cmd.argv.emplace_back(trim(line.substr(gap)));
    cmd.argv.push_back(run.file);
  } else if (head.rfind("\x7f" "ELF", 0) == 0) {
    cmd.program = run.file;
    cmd.argv.push_back(run.file);
  } else {
    cmd.program = kPosixShell;
    cmd.argv = {kPosixShell, run.file};
  }
  cmd.argv.insert(cmd.argv.end(), run.args.begin(), run.args.end());
  return cmd;
}

}  // namespace haven::sh
