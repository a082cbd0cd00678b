#include "common/module_log_limits.hpp"

namespace haven {

LogRotationLimit user_log_limit(std::int64_t userlogsize_kib) {
  LogRotationLimit limit = ModuleLogLimits{}.user_log;
  if (userlogsize_kib > 0) limit.max_bytes = static_cast<std::uint64_t>(userlogsize_kib) << 10;
  return limit;
}

}  // namespace haven
