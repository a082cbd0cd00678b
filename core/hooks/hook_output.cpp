#include "hooks/hook_output.hpp"

#include "common/module_log.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace haven {
namespace {

// A program that prints without newlines must not grow our memory without bound.
constexpr std::size_t kMaxLineBytes = 16 * 1024;

}  // namespace

HookOutput::HookOutput(int log_fd, std::string hook, std::size_t tail_lines)
    : log_fd_(log_fd), hook_(std::move(hook)), tail_lines_(tail_lines) {}

void HookOutput::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    const auto nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(chunk);
      if (partial_.size() >= kMaxLineBytes) finish();
      return;
    }
    partial_.append(chunk.substr(0, nl));
    chunk.remove_prefix(nl + 1);
    emit(partial_);
    partial_.clear();
  }
}

void HookOutput::finish() {
  if (partial_.empty()) return;
  emit(partial_);
  partial_.clear();
}

std::string HookOutput::tail() const {
  std::string out;
  for (const auto& line : tail_) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

void HookOutput::emit(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // .cmd hooks print CRLF
  if (tail_lines_ > 0) {
    tail_.emplace_back(line);
    while (tail_.size() > tail_lines_) tail_.pop_front();
  }
  if (log_fd_ < 0) return;
  // One write per line, on an O_APPEND descriptor: lines of concurrent writers never mix.
  std::string record = log_timestamp_now();
  record += ' ';
  record += hook_;
  record += ' ';
  record += line;
  record += '\n';
  ssize_t n;
  do {
    n = ::write(log_fd_, record.data(), record.size());
  } while (n < 0 && errno == EINTR);
}

}  // namespace haven
