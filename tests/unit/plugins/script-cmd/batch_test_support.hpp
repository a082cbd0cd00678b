// Running a batch file in-process with its stdout and stderr captured in files.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "batch_interpreter.hpp"

namespace haven::cmd::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "haven-cmd-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct BatchOutcome {
  Result<int> code = 0;
  std::string out;
  std::string err;
  std::map<std::string, std::optional<std::string>> variables;  // filled for `watch`
};

/// Runs `file` in `cwd` with `system`, stdout and stderr going to files in `cwd`/../.
template <class System>
BatchOutcome run_batch_file(System& system, const std::filesystem::path& file, const std::filesystem::path& cwd,
                            const std::filesystem::path& capture_dir, std::vector<std::string> args,
                            std::map<std::string, std::string> env, const std::vector<std::string>& watch = {}) {
  const auto out_path = capture_dir / "stdout.txt";
  const auto err_path = capture_dir / "stderr.txt";
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if constexpr (requires { system.set_sleep_fd(out); }) system.set_sleep_fd(out);
  BatchOptions options;
  options.environment = std::move(env);
  options.cwd = cwd.string();
  options.streams = BatchStreams{in, out, err};
  BatchInterpreter interpreter(system, std::move(options));
  BatchOutcome outcome;
  outcome.code = interpreter.run_file(file.string(), args);
  for (const auto& name : watch) outcome.variables[name] = interpreter.environment().get(name);
  ::close(out);
  ::close(err);
  ::close(in);
  outcome.out = read_whole_file(out_path);
  outcome.err = read_whole_file(err_path);
  return outcome;
}

}  // namespace haven::cmd::testing
