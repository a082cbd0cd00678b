// Module names: what an administrator types after -m, and the name of the module's folder.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven {

/// OK when `name` is 1 to 32 letters, digits, '_' or '-', and not "lastconfig" or "backup"
/// (SAFEVAR/modules holds those folders beside each module's own); otherwise invalid_argument
/// saying what is allowed.
Status check_module_name(std::string_view name);

/// The module name an archive gives by default: its file name without .safe, .zip, .tar,
/// .tar.gz, .tgz, .tar.bz2, .tar.xz or .tar.zst ("/tmp/generic-mirror.safe" -> "generic-mirror").
std::string module_name_from_archive(const std::filesystem::path& archive);

}  // namespace haven
