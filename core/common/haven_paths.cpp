#include "common/haven_paths.hpp"

#include <cstdlib>
#include <system_error>

namespace haven {

HavenPaths HavenPaths::system() {
  HavenPaths p;
  p.conf_ = "/etc/haven";
  p.state_ = "/var/lib/haven";
  p.run_ = "/run/haven";
  p.log_ = "/var/log/haven";
  return p;
}

HavenPaths HavenPaths::under(const std::filesystem::path& root) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(root, ec);
  if (ec) abs = root;
  HavenPaths p;
  p.root_ = abs.lexically_normal();
  p.conf_ = p.root_ / "etc";
  p.state_ = p.root_ / "lib";
  p.run_ = p.root_ / "run";
  p.log_ = p.root_ / "log";
  return p;
}

HavenPaths HavenPaths::resolve(const std::optional<std::string>& root_flag) {
  if (root_flag && !root_flag->empty()) return under(*root_flag);
  if (const char* env = std::getenv("HAVEN_ROOT"); env != nullptr && *env != '\0') return under(env);
  return system();
}

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::filesystem::current_path();
  return exe.parent_path();
}

std::filesystem::path install_prefix() { return executable_dir().parent_path(); }

std::filesystem::path installed_plugin_dir() { return install_prefix() / "lib" / "haven" / "plugins"; }

}  // namespace haven
