// Checks a plugin's descriptor against this host's ABI before any C++ code of the plugin
// runs: plain data in, an error naming the file out.
#pragma once

#include <filesystem>
#include <string_view>

#include "haven/plugin.hpp"
#include "haven/result.hpp"

namespace haven {

/// True for "a.b", "haven.checker.tcp": two or more non-empty segments of letters, digits,
/// '_' or '-'.
bool is_dotted_name(std::string_view name) noexcept;

/// True for one of the kKind* names.
bool is_known_kind(std::string_view kind) noexcept;

/// Refuses a descriptor this host cannot use: too small a struct, another ABI major, a newer
/// minor, another toolchain, a missing or undotted name, an unknown kind, no factory.
/// `file` is only used in messages.
Status check_descriptor(const haven_plugin_descriptor* descriptor, const std::filesystem::path& file);

/// Refuses a file that is not an ELF object before dlopen sees it, so the error says so
/// plainly instead of "invalid ELF header".
Status check_elf_header(const std::filesystem::path& file);

}  // namespace haven
