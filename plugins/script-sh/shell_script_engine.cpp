#include "shell_script_engine.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "shell_command_line.hpp"

namespace haven::sh {
namespace {

std::string exec_failure(const ScriptRun& run, const ShellCommandLine& cmd, int err) {
  std::string msg = "cannot run hook " + run.hook + " (" + run.file + "): ";
  if (cmd.program == run.file) {
    msg += "executing the program failed: " + std::string(std::strerror(err));
    if (err == EACCES) msg += "; make it executable (chmod +x " + run.file + ")";
  } else {
    msg += "cannot execute its interpreter " + cmd.program + ": " + std::strerror(err);
    if (cmd.program != kPosixShell && err == ENOENT)
      msg += "; fix the #! line on line 1 of the file, or install that interpreter";
  }
  return msg;
}

}  // namespace

std::vector<std::string> ShellScriptEngine::extensions() const { return {".sh", ""}; }

Result<int> ShellScriptEngine::run(const ScriptRun& run) noexcept {
  try {
    auto cmd = shell_command_line(run);
    if (!cmd.ok()) return std::move(cmd).error();
    std::vector<char*> argv;
    for (auto& a : cmd->argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    host_.log(LogLevel::debug, "running " + run.file + " with " + cmd->program);
    // Whatever the runner buffered must not be lost or printed twice by the script.
    std::fflush(nullptr);
    ::execv(cmd->program.c_str(), argv.data());
    return fail(Errc::io_error, exec_failure(run, *cmd, errno));
  } catch (const std::exception& e) {
    return fail(Errc::internal, "cannot run hook " + run.hook + " (" + run.file + "): " + e.what());
  }
}

}  // namespace haven::sh
