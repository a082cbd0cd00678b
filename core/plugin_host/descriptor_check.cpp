#include "plugin_host/descriptor_check.hpp"

#include <array>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <string>

namespace haven {
namespace {

constexpr std::uint32_t kHostMajor = HAVEN_ABI_MAJOR;
constexpr std::uint32_t kHostMinor = HAVEN_ABI_MINOR;

// The first three fields are readable in every descriptor layout: they say which layout it is.
constexpr std::size_t kVersionPrefixSize = offsetof(haven_plugin_descriptor, toolchain);

std::string abi_string(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

bool is_dotted_name(std::string_view name) noexcept {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  bool has_dot = false;
  char previous = '\0';
  for (char c : name) {
    if (c == '.') {
      if (previous == '.') return false;
      has_dot = true;
    } else if (!is_name_char(c)) {
      return false;
    }
    previous = c;
  }
  return has_dot;
}

bool is_known_kind(std::string_view kind) noexcept {
  return kind == kKindBehaviour || kind == kKindChecker || kind == kKindScriptEngine ||
         kind == kKindApplication;
}

Status check_descriptor(const haven_plugin_descriptor* d, const std::filesystem::path& file) {
  const std::string where = "plugin " + file.string();
  if (d == nullptr)
    return fail(Errc::invalid_argument,
                where + " returned no descriptor from " HAVEN_PLUGIN_ENTRY_SYMBOL ": rebuild it with HAVEN_PLUGIN");
  if (d->struct_size < kVersionPrefixSize)
    return fail(Errc::abi_mismatch, where + " has a descriptor of " + std::to_string(d->struct_size) +
                                        " bytes, too small to be a haven plugin descriptor: rebuild it against this SDK");
  if (d->abi_major != kHostMajor)
    return fail(Errc::abi_mismatch, where + " was built for haven ABI " + abi_string(d->abi_major, d->abi_minor) +
                                        ", this host speaks " + abi_string(kHostMajor, kHostMinor) +
                                        ": rebuild it against this SDK");
  if (d->abi_minor > kHostMinor)
    return fail(Errc::abi_mismatch, where + " was built for haven ABI " + abi_string(d->abi_major, d->abi_minor) +
                                        ", newer than this host's " + abi_string(kHostMajor, kHostMinor) +
                                        ": upgrade haven or rebuild the plugin against this SDK");
  if (d->struct_size < sizeof(haven_plugin_descriptor))
    return fail(Errc::abi_mismatch, where + " has a descriptor of " + std::to_string(d->struct_size) +
                                        " bytes, ABI " + abi_string(kHostMajor, kHostMinor) + " expects " +
                                        std::to_string(sizeof(haven_plugin_descriptor)) +
                                        ": rebuild it against this SDK");
  const std::string_view host_toolchain = HAVEN_TOOLCHAIN_TAG;
  if (d->toolchain == nullptr || host_toolchain != d->toolchain)
    return fail(Errc::abi_mismatch,
                where + " was built with toolchain '" + (d->toolchain ? d->toolchain : "(none)") +
                    "', this host with '" + std::string(host_toolchain) +
                    "': rebuild it with the same compiler, C++ standard library and Boost as haven");
  if (d->name == nullptr || !is_dotted_name(d->name))
    return fail(Errc::invalid_argument,
                where + " has name '" + (d->name ? d->name : "(none)") +
                    "', expected a dotted name such as 'haven.checker.tcp' (letters, digits, '_', '-')");
  if (d->kind == nullptr || !is_known_kind(d->kind))
    return fail(Errc::invalid_argument,
                where + " (" + d->name + ") has kind '" + (d->kind ? d->kind : "(none)") +
                    "', expected one of behaviour, checker, script, application");
  if (d->create == nullptr)
    return fail(Errc::invalid_argument, where + " (" + d->name + ") has no factory: rebuild it with HAVEN_PLUGIN");
  return ok_status();
}

Status check_elf_header(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return fail(Errc::io_error, "plugin " + file.string() + " cannot be opened for reading: check its permissions");
  std::array<char, 4> magic{};
  in.read(magic.data(), magic.size());
  if (in.gcount() != 4 || std::memcmp(magic.data(), "\x7f" "ELF", 4) != 0)
    return fail(Errc::invalid_argument, file.string() +
                                            " is not a haven plugin: it is not an ELF shared library; remove it from "
                                            "the plugin folder");
  return ok_status();
}

}  // namespace haven
