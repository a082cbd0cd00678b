#include "plugin_host/basic_host_context.hpp"

namespace haven {

void BasicHostContext::log(LogLevel level, std::string_view message) noexcept {
  if (!sink_) return;
  try {
    std::lock_guard lock(log_mutex_);
    if (prefix_.empty()) {
      sink_(level, message);
    } else {
      std::string line = "[" + prefix_ + "] ";
      line.append(message);
      sink_(level, line);
    }
  } catch (...) {
    // A plugin's log line is never worth a crash: drop it.
  }
}

}  // namespace haven
