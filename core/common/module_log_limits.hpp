// How large each of haven's logs may grow (log_rotation.hpp keeps them there).
//
// | log            | live file                        | rotated files kept |
// | module.log     | 8 MiB                            | 4 (module.log.1..4) |
// | verbose.log    | 16 MiB                           | 4                   |
// | userlog.ulog   | `<user userlogsize>` KiB (2048)   | 2                   |
// | havend.log     | 8 MiB                            | 4                   |
#pragma once

#include <cstdint>

#include "common/log_rotation.hpp"

namespace haven {

/// The seed product's default `userlogsize`, in KiB.
inline constexpr std::int64_t kDefaultUserLogSizeKiB = 2048;

/// The bounds of one module's three logs.
struct ModuleLogLimits {
  LogRotationLimit module_log{8ull << 20, 4};
  LogRotationLimit verbose_log{16ull << 20, 4};
  LogRotationLimit user_log{static_cast<std::uint64_t>(kDefaultUserLogSizeKiB) << 10, 2};
};

/// The bound of havend.log.
inline constexpr LogRotationLimit kDaemonLogLimit{8ull << 20, 4};

/// The user log's bound for `<user userlogsize="KIB">` as the configuration loader read it
/// (UserSection::userlogsize); 0 or less means the default.
LogRotationLimit user_log_limit(std::int64_t userlogsize_kib);



}  // namespace haven
