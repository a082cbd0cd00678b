#include "config/placeholders.hpp"

#include <cctype>

namespace haven::config {
namespace {

struct Marker {
  std::string_view token;
  std::string_view what;
};

constexpr Marker kMarkers[] = {
    {"VIRTUAL_TO_BE_DEFINED", "the virtual IP address or DNS name of the service"},
    {"PROCESS_NAME", "the name of the process to monitor"},
    {"SERVICE_TO_BE_DEFINED", "the services the hooks start and stop (Windows service names, or systemd units)"},
    {"DATA_DIR_TO_BE_DEFINED", "the absolute path of the application's data directory, the same on both nodes"},
    {"VERSION_TO_BE_DEFINED", "the major version of the application installed on the nodes, e.g. 15"},
    {"VM_TO_BE_DEFINED", "the name of the virtual machine, as Get-VM shows it"},
};

void collect(const ConfigNode& node, std::vector<Placeholder>& out) {
  for (const auto& [key, value] : node.attributes) {
    const std::string path = node.path + "@" + key;
    for (const auto& m : kMarkers)
      if (value.find(m.token) != std::string::npos)
        out.push_back(Placeholder{node.file, node.line, path, value, std::string(m.what)});
    if (node.name == "replicated" && key == "dir" && looks_like_windows_path(value))
      out.push_back(Placeholder{node.file, node.line, path, value,
                                "an absolute Linux path of the folder to replicate, e.g. /var/lib/app"});
  }
  for (const auto& child : node.children) collect(child, out);
}

}  // namespace

std::string Placeholder::to_string() const {
  return file + (line > 0 ? ":" + std::to_string(line) : "") + ": " + path + ": \"" + value +
         "\" is a template placeholder; replace it with " + what;
}

bool looks_like_windows_path(std::string_view path) {
  if (path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':') return true;
  if (path.rfind("\\\\", 0) == 0) return true;
  return path.find('\\') != std::string_view::npos && path.front() != '/';
}

std::vector<Placeholder> find_placeholders(const ConfigNode& root) {
  std::vector<Placeholder> out;
  collect(root, out);
  return out;
}

Status refuse_unfilled_placeholders(const UserConfig& config) {
  if (config.placeholders.empty()) return ok_status();
  std::string msg = "the module's configuration is still a template; fill in these values before starting it:";
  for (const auto& p : config.placeholders) msg += "\n  " + p.to_string();
  return fail(Errc::refused, std::move(msg));
}

}  // namespace haven::config
