// A hook's output, cut into lines: each line is appended to the module's user log with
// the time and the hook's name, and the last lines are kept for the agent's error message.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

namespace haven {

class HookOutput {
 public:
  /// `log_fd` is an O_APPEND descriptor (not owned), or -1 to keep the tail only.
  HookOutput(int log_fd, std::string hook, std::size_t tail_lines);

  /// Takes a chunk of output; complete lines go to the log at once.
  void feed(std::string_view chunk);
  /// Ends a last line that had no newline.
  void finish();
  /// The kept lines, joined with '\n'.
  std::string tail() const;

 private:
  void emit(std::string_view line);

  int log_fd_;
  std::string hook_;
  std::size_t tail_lines_;
  std::string partial_;
  std::deque<std::string> tail_;
};

}  // namespace haven
