#include "common/module_log.hpp"
#include "hooks/hook_environment.hpp"

namespace haven {
namespace {

constexpr const char* kSystemPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string with_trailing_slash(const std::filesystem::path& dir) {
  auto s = dir.string();
  if (s.empty() || s.back() != '/') s += '/';
  return s;
}

std::string without_trailing_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool is_reserved(const std::string& name) {
  return name.rfind("SAFE", 0) == 0 || name.rfind("HAVEN_", 0) == 0;
}

}  // namespace

std::map<std::string, std::string> hook_environment(const HavenPaths& paths,
                                                    const HookEnvironmentInputs& inputs,
                                                    std::vector<std::string>* warnings) {
  const auto bin = inputs.install_bin_dir.empty() ? executable_dir() : inputs.install_bin_dir;
  const auto module_dir = paths.module_dir(inputs.module);
  std::map<std::string, std::string> env;
  // The seed's scripts write "%SAFE%safekit", so SAFE ends with the separator.
  env["SAFE"] = with_trailing_slash(bin);
  env["SAFEBIN"] = with_trailing_slash(bin);
  env["SAFEMODULE"] = inputs.module;
  env["SAFEUSERBIN"] = (module_dir / "bin").string();
  env["SAFEUSERCONF"] = (module_dir / "conf").string();
  env["SAFEVAR"] = paths.var_dir().string();
  env["SAFEUSERVAR"] = paths.module_var_dir(inputs.module).string();
  if (!paths.root().empty()) env["HAVEN_ROOT"] = paths.root().string();
  env["HAVEN_MODULE_LOG"] = module_log_files(paths, inputs.module).module_log.string();
  env["PATH"] = without_trailing_slash(bin.string()) + ":" + kSystemPath;
  env["LANG"] = "C.UTF-8";
  for (const auto& [name, value] : inputs.user_vars) {
    if (is_reserved(name)) {
      if (warnings != nullptr)
        warnings->push_back("module " + inputs.module + ": <user><var name=\"" + name +
                            "\"> is ignored: names starting with SAFE or HAVEN_ are set by haven");
      continue;
    }
    env[name] = value;
  }
  return env;
}

}  // namespace haven
