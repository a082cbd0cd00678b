// Which boot of the machine this is: the kernel's boot id, a random UUID chosen at each boot
// (/proc/sys/kernel/random/boot_id). havend compares it with the one it recorded to tell a
// node boot from a mere restart of itself.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "haven/result.hpp"

namespace haven {

/// For tests only: when this environment variable is set and not empty, its value is the
/// boot id instead of the kernel's, so that a test can make havend believe the node rebooted
/// (a new value) or did not (the same value). Never set it on a real node.
inline constexpr const char* kTestBootIdVariable = "HAVEN_TEST_BOOT_ID";

/// The kernel's own source of the boot id.
inline const std::filesystem::path kKernelBootIdFile = "/proc/sys/kernel/random/boot_id";

/// The boot id: `env`[kTestBootIdVariable] when set, else the first line of `kernel_file`.
/// io_error naming the file when it cannot be read or is empty.
[[nodiscard]] Result<std::string> current_boot_id(const std::map<std::string, std::string>& env,
                                                  const std::filesystem::path& kernel_file = kKernelBootIdFile);

}  // namespace haven
