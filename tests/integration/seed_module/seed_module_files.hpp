// The seed product's module as printed (tests/data/seed-module), and the copies the tests
// derive from it: filled in for Linux, ported to shell hooks.
#pragma once

#include <filesystem>
#include <string>

#include "test_module.hpp"

namespace haven::test {

/// tests/data/seed-module: conf/userconfig.xml, bin/start_prim.cmd, bin/stop_prim.cmd.
std::filesystem::path seed_module_dir();

/// The module exactly as printed: its userconfig.xml and both .cmd hooks, byte for byte.
ModuleSource seed_module();

/// The seed's userconfig.xml filled in the way an administrator on one Linux node without
/// VIP or replication would: the <vip>, <errd> and <rfs> sections (the only ones holding
/// placeholders) left out, everything else (typographic quotes included) as printed.
std::string seed_userconfig_for_linux();

/// The 1-based line of the first line of `text` containing `needle`; 0 when none does.
int line_of(const std::string& text, const std::string& needle);

/// The path of the script-cmd plugin in this build; it exists only once that plugin is built.
std::filesystem::path script_cmd_plugin();

/// Writes the sources under `work_dir/<name>/` like pack_module(), makes bin/<executable>
/// executable, and packs the folder into `work_dir/<name>.safe`.
std::filesystem::path pack_module_with_executable(const std::filesystem::path& work_dir, const std::string& name,
                                                  const ModuleSource& source, const std::string& executable);

}  // namespace haven::test
