#include "cmd_script_engine.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "batch_interpreter.hpp"
#include "batch_system.hpp"

extern char** environ;

namespace haven::cmd {
namespace {

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr && eq != *e) env.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
  }
  return env;
}

}  // namespace

std::vector<std::string> CmdScriptEngine::extensions() const { return {".cmd", ".bat"}; }

Result<int> CmdScriptEngine::run(const ScriptRun& run) noexcept {
  try {
    PosixBatchSystem system;
    BatchOptions options;
    options.environment = process_environment();
    std::error_code ec;
    options.cwd = std::filesystem::current_path(ec).string();
    options.notice = [this, &run](const std::string& message) {
      host_.log(LogLevel::warning, "hook " + run.hook + ": " + message);
    };
    BatchInterpreter interpreter(system, std::move(options));
    auto code = interpreter.run_file(run.file, run.args);
    std::fflush(nullptr);
    if (!code.ok()) host_.log(LogLevel::debug, "hook " + run.hook + " stopped: " + code.error().message);
    return code;
  } catch (const std::exception& e) {
    return fail(Errc::internal, "the batch interpreter failed running " + run.file + ": " + e.what());
  }
}

}  // namespace haven::cmd
