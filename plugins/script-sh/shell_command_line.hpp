// How a shell hook is started: the program to exec and its argv, decided from the file's
// first bytes the way a POSIX shell decides it for a command, with no process made yet.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "haven/result.hpp"
#include "haven/script_engine.hpp"

namespace haven::sh {

/// The shell that runs a hook without a "#!" line.
inline constexpr const char* kPosixShell = "/bin/sh";

/// An execv() call: `program` is the path to execute, `argv[0]` what the script sees as $0
/// (or the interpreter its own name).
struct ShellCommandLine {
  std::string program;
  std::vector<std::string> argv;
};

/// The command that runs `run.file` with `run.args`:
///   - a "#!interpreter [one-arg]" first line: that interpreter, as the kernel would start
///     it (`interpreter [one-arg] FILE ARGS...`), whether or not the file is executable;
///   - an ELF program: the file itself (it must be executable);
///   - anything else: `/bin/sh FILE ARGS...`.
/// Errors: not_found when the file cannot be read, invalid_argument when its "#!" line names
/// no interpreter, holds a NUL byte, or is cut by the kernel's 256-byte limit inside the
/// interpreter's name; both name the hook and the file.
Result<ShellCommandLine> shell_command_line(const ScriptRun& run);

/// The same decision from the file's first bytes (`head`, as many as it has; only the first
/// kFirstLineLimit count, as for the kernel). Pure: `run.file` is not read.
Result<ShellCommandLine> shell_command_line(std::string_view head, const ScriptRun& run);

/// How much of the file the kernel reads to find a "#!" line (BINPRM_BUF_SIZE).
inline constexpr std::size_t kFirstLineLimit = 256;

}  // namespace haven::sh
