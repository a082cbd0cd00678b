// haven SDK: log levels shared by the host and plugins.
#pragma once

namespace haven {

/// Severity of a log line. `info` and above reach the module log an administrator reads;
/// `debug` goes to the verbose log only.
enum class LogLevel { debug, info, warning, error };

/// Returns "debug", "info", "warning" or "error".
constexpr const char* to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "info";
}

}  // namespace haven
