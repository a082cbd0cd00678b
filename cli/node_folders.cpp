#include "node_folders.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace haven::cli {
namespace {

std::string with_slash(const std::filesystem::path& dir) {
  auto s = dir.string();
  if (s.empty() || s.back() != '/') s += '/';
  return s;
}

std::string shell_quoted(const std::string& value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == ':' || c == '+' || c == ',';
  });
  if (plain) return value;
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

nlohmann::json node_folders_json(const HavenPaths& paths, const std::filesystem::path& bin_dir,
                                 const std::vector<std::filesystem::path>& plugin_path) {
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& p : plugin_path) plugins.push_back(p.string());
  return {
      {"SAFE", with_slash(bin_dir)},
      {"SAFEBIN", with_slash(bin_dir)},
      {"SAFEVAR", paths.var_dir().string()},
      {"binaries", bin_dir.string()},
      {"plugins", plugins},
      {"shipped_modules", (bin_dir.parent_path() / "share" / "haven" / "modules").string()},
      {"modules", paths.modules_dir().string()},
      {"state", paths.state_dir().string()},
      {"var", paths.var_dir().string()},
      {"config", paths.conf_dir().string()},
      {"cluster_config", paths.cluster_config().string()},
      {"cluster_key", paths.cluster_key().string()},
      {"run", paths.run_dir().string()},
      {"logs", paths.log_dir().string()},
      {"module_logs", (paths.log_dir() / "modules").string()},
      {"root", paths.root().empty() ? nlohmann::json(nullptr) : nlohmann::json(paths.root().string())},
  };
}

std::string node_folders_text(const nlohmann::json& f) {
  std::string plugins;
  for (const auto& p : f.at("plugins")) plugins += (plugins.empty() ? "" : ":") + p.get<std::string>();
  const auto at = [&f](const char* key) { return f.at(key).get<std::string>(); };
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"SAFE", at("SAFE")},
      {"SAFEBIN", at("SAFEBIN")},
      {"SAFEVAR", at("SAFEVAR")},
      {"HAVEN_BIN", at("binaries")},
      {"HAVEN_PLUGINS", plugins},
      {"HAVEN_SHIPPED_MODULES", at("shipped_modules")},
      {"HAVEN_MODULES", at("modules")},
      {"HAVEN_STATE", at("state")},
      {"HAVEN_CONF", at("config")},
      {"HAVEN_RUN", at("run")},
      {"HAVEN_LOG", at("logs")},
  };
  std::string out;
  for (const auto& [name, value] : lines) out += name + "=" + shell_quoted(value) + "\n";
  if (f.at("root").is_string()) out += "HAVEN_ROOT=" + shell_quoted(f.at("root").get<std::string>()) + "\n";
  return out;
}

}  // namespace haven::cli
