#include "shell_command_line.hpp"

#include <fstream>
#include <string_view>

namespace haven::sh {
namespace {

std::string_view trim(std::string_view s) {
  // The end first: a line of blanks and '\r' only ("#!  \r") is empty, not "\r".
  const auto last = s.find_last_not_of(" \t\r");
  if (last == std::string_view::npos) return {};
  const auto first = s.find_first_not_of(" \t");
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
  return shell_command_line(head, run);
}

Result<ShellCommandLine> shell_command_line(std::string_view head, const ScriptRun& run) {
  head = head.substr(0, kFirstLineLimit);
  ShellCommandLine cmd;
  if (head.rfind("#!", 0) == 0) {
    // Like the kernel: the interpreter, then everything after it as one argument. The line
    // ends at the first newline (or at the end of a shorter file); without a newline in the
    // first 256 bytes the kernel cuts it before the 256th, and refuses it when that cuts the
    // interpreter's name.
    const auto newline = head.find('\n');
    auto raw = head.substr(2, newline == std::string_view::npos ? newline : newline - 2);
    if (newline == std::string_view::npos && head.size() == kFirstLineLimit) {
      const auto name = head.find_first_not_of(" \t", 2);
      if (name == std::string_view::npos ||
          head.find_first_of(std::string_view(" \t\0", 3), name) == std::string_view::npos)
        return fail(Errc::invalid_argument, where(run) + " has a #! line longer than " +
                                                std::to_string(kFirstLineLimit) +
                                                " bytes that cuts the interpreter's name (the kernel refuses it too)");
      raw = head.substr(2, kFirstLineLimit - 3);
    }
    // The kernel would read the name and the argument only up to a NUL: refused, not guessed.
    if (raw.find('\0') != std::string_view::npos)
      return fail(Errc::invalid_argument, where(run) + " has a NUL byte in its #! line (line 1); write the "
                                                       "interpreter and its argument as plain text");
    const auto line = trim(raw);
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
