#include "hooks/hook_output.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace haven {
namespace {

// A program that prints without newlines must not grow our memory without bound.
constexpr std::size_t kMaxLineBytes = 16 * 1024;

}  // namespace

std::string log_timestamp_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(ms));
  return buf;
}

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
