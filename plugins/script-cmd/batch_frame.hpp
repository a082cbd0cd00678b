// One running batch file or `call :label`: its source, its arguments and its setlocal floor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "batch_interpreter.hpp"
#include "batch_source.hpp"

namespace haven::cmd {

struct BatchInterpreter::Frame {
  std::shared_ptr<const BatchSource> source;
  std::vector<std::string> args;  ///< [0] is %0: the file or :label as called
  std::size_t shift = 0;
  std::string all_args;           ///< %*
  std::size_t scope_base = 0;     ///< setlocal scopes below this belong to callers
  bool is_cmd = true;             ///< .cmd: set resets errorlevel to 0; .bat: it does not
};

}  // namespace haven::cmd
