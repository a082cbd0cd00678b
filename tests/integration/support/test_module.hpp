// Modules made by the tests: a userconfig.xml and bin/ hooks written to a folder, packed
// into a .safe archive with the product's own archive writer.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace haven::test {

/// Every hook a mirror module may have, in no particular order.
extern const std::vector<std::string> kAllHooks;

/// A module's sources: conf/userconfig.xml and bin/<file> contents.
struct ModuleSource {
  std::string userconfig;
  std::map<std::string, std::string> bin;  ///< file name ("start_prim.lua") -> content
};

/// A mirror userconfig.xml with a <user> element carrying `user_attributes`
/// (e.g. `nicestoptimeout="1s"`), so that hooks run.
std::string mirror_userconfig(const std::string& user_attributes = "");

/// Lua that appends "<hook> <args...>" to $SAFEUSERVAR/record, as one line.
std::string record_lua(const std::string& hook);

/// Every hook as a recording Lua hook; `then` adds Lua run after the recording line.
std::map<std::string, std::string> recording_hooks(const std::map<std::string, std::string>& then = {});

/// Writes the sources under `work_dir/<name>/` and packs them into `work_dir/<name>.safe`.
/// Throws when the archive cannot be written.
std::filesystem::path pack_module(const std::filesystem::path& work_dir, const std::string& name,
                                  const ModuleSource& source);

}  // namespace haven::test
