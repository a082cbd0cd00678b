// haven SDK: script engines, which run a module's hooks (start_prim, stop_prim, ...).
//
// A hook always runs in a child process made for it alone: the host forks a runner, puts
// it in its own process group, sets the module environment, sends stdout and stderr to the
// module's user log, loads the engine plugin there and calls run(). A timeout kills the
// whole process group, so an engine needs no timeout logic of its own.
#pragma once

#include <string>
#include <vector>

#include "haven/plugin.hpp"
#include "haven/result.hpp"

namespace haven {

/// One hook run.
struct ScriptRun {
  std::string hook;               ///< hook name without extension: "start_prim"
  std::string file;               ///< absolute path of the script file
  std::vector<std::string> args;  ///< arguments, e.g. {"WAIT", "ALONE", "start"} or {"force", ...}
};

/// Runs scripts of one language. Made once per runner process.
class ScriptEngine : public PluginObject {
 public:
  /// File name extensions this engine runs, with the dot: {".lua"}. An empty string in the
  /// list means "an executable file without extension".
  virtual std::vector<std::string> extensions() const = 0;

  /// Runs the script in the calling process (the dedicated runner) and returns its exit
  /// code: 0 is success. An error means the script could not run or raised an error; its
  /// message names the file and, when known, the line. May replace the process (exec).
  virtual Result<int> run(const ScriptRun& run) noexcept = 0;
};

}  // namespace haven
