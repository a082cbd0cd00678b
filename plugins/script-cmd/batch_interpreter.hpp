// The batch interpreter: runs a .cmd/.bat file the way cmd.exe would, on Linux. Lines are
// percent-expanded when read (a whole parenthesised block at once), parsed, then run.
// Built-in commands work on the interpreter's own state (variables, current directory,
// streams); programs go through a BatchSystem, so tests can run without spawning.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "batch_environment.hpp"
#include "batch_source.hpp"
#include "batch_syntax.hpp"
#include "batch_system.hpp"
#include "haven/result.hpp"

namespace haven::cmd {

struct BatchStreams {
  int in = 0;
  int out = 1;
  int err = 2;
};

struct BatchOptions {
  std::map<std::string, std::string> environment;  ///< the variables at start
  std::string cwd;                                 ///< the current directory at start (absolute)
  BatchStreams streams;                            ///< where output goes; not closed
  /// Told what the script went on after (an unknown program), "FILE:LINE: what"; may be empty.
  std::function<void(const std::string&)> notice;
  /// Asked before each statement or command runs (each round of a for, each line after a
  /// goto, each call); when it answers false the run stops with an Errc::refused error. Unset:
  /// no limit (a hook's own timeout bounds it). For callers that bound a run in steps, time or
  /// memory, such as the fuzz target.
  std::function<bool()> keep_going;
};

class BatchInterpreter {
 public:
  BatchInterpreter(BatchSystem& system, BatchOptions options);

  /// Runs `file` with `args` (%1, %2...; an argument holding a blank is quoted, as a Windows
  /// command line would have it) and returns the exit code: N after `exit /b N` or `exit N`,
  /// else the errorlevel at the end. An error stops the run: a construct haven does not
  /// interpret, a syntax error, a missing label; its message starts with "FILE:LINE:" and
  /// names the construct. An unknown program or batch file does not stop it (errorlevel
  /// 9009, cmd.exe's message on stderr, and `notice` told), as in cmd.exe.
  [[nodiscard]] Result<int> run_file(const std::string& file, const std::vector<std::string>& args);

  /// The variables now (after a run: without what setlocal scopes held).
  const BatchEnvironment& environment() const { return env_; }

 private:
  struct Frame;
  struct Flow {
    enum class Kind { next, go_to, leave_batch, exit_process };
    Kind kind = Kind::next;
    std::string label;
    int code = 0;
  };
  struct SavedScope {
    BatchEnvironment env;
    std::string cwd;
    bool delayed = false;
  };
  class StreamGuard;

  // Running files and statements (batch_interpreter.cpp).
  Result<Flow> run_frame(Frame& frame, std::size_t first_line);
  Result<Flow> run_batch(const std::string& path, const std::string& shown_name, const std::string& args_text,
                         bool via_call);
  Result<Flow> execute(const Node& node);
  Result<Flow> execute_simple(const SimpleCommand& command, bool via_call);
  Result<Flow> execute_block(const Block& block);
  Result<Flow> execute_if(const IfCommand& command);
  Result<Flow> execute_for(const ForCommand& command);
  Result<Flow> execute_pipe(const Chain& chain);
  Result<Flow> execute_for_lines(const ForCommand& command);
  Result<Flow> run_for_body(const ForCommand& command, const std::string& value);
  Result<std::string> capture_output(const std::string& command_line);
  Result<Flow> execute_program(const std::string& name, const std::string& rest, bool via_call);
  Result<Flow> execute_mapped(const struct MappedCommand& mapped, const std::string& written);
  Result<Flow> not_recognized(const std::string& written, const std::string& why);
  Result<int> spawn(const std::string& program, std::vector<std::string> argv);
  Result<bool> apply_redirections(const std::vector<Redirection>& redirections, StreamGuard& guard);
  std::optional<std::string> variable(std::string_view name) const;
  std::string expand_line(std::string_view line) const;
  std::string delayed(std::string_view text) const;
  std::optional<std::string> find_batch_file(const std::string& name) const;
  std::string resolve_path(std::string_view path) const;
  std::string separators_after_folders(std::string path) const;
  Error error_here(Errc code, const std::string& message) const;
  void write_out(std::string_view text) const;
  void write_err(std::string_view text) const;
  void set_errorlevel(int code);
  void notice(const std::string& message) const;

  // Built-in commands (batch_builtins.cpp). `rest` is the text after the command name.
  bool is_builtin(const std::string& name) const;
  Result<Flow> run_builtin(const std::string& name, const std::string& rest);
  Result<Flow> builtin_echo(const std::string& rest, bool dotted);
  Result<Flow> builtin_set(const std::string& rest);
  Result<Flow> builtin_set_arithmetic(const std::string& expression);
  Result<Flow> builtin_goto(const std::string& rest);
  Result<Flow> builtin_call(const std::string& rest, bool for_values = false);
  Result<Flow> builtin_exit(const std::string& rest);
  Result<Flow> builtin_setlocal(const std::string& rest);
  Result<Flow> builtin_endlocal();
  Result<Flow> builtin_shift(const std::string& rest);
  Result<Flow> builtin_cd(const std::string& rest);
  Result<Flow> builtin_pushd(const std::string& rest);
  Result<Flow> builtin_popd();
  Result<Flow> builtin_type(const std::string& rest);
  Result<Flow> builtin_del(const std::string& rest);
  Result<Flow> builtin_mkdir(const std::string& rest);
  Result<Flow> builtin_rmdir(const std::string& rest);
  Result<Flow> builtin_copy(const std::string& rest, bool move);
  void endlocal_to(std::size_t depth);

  BatchSystem& system_;
  BatchEnvironment env_;
  std::string cwd_;
  BatchStreams streams_;
  std::function<void(const std::string&)> notice_;
  std::function<bool()> keep_going_;
  std::vector<std::string> directory_stack_;
  std::vector<SavedScope> scopes_;
  Frame* frame_ = nullptr;
  std::size_t line_ = 0;  // 1-based line of the statement running, for messages
  int errorlevel_ = 0;
  bool last_failed_ = false;  // the last command's own outcome, for && and ||
  bool echo_on_ = true;
  bool delayed_ = false;
  int call_depth_ = 0;
};

}  // namespace haven::cmd
