#include "plugin_host/plugin_trust.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace haven {
namespace {

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

Status check_one(const std::filesystem::path& path, const char* what, const std::filesystem::path& plugin) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail(Errc::io_error, "cannot check " + std::string(what) + " " + path.string() + " of plugin " +
                                    plugin.string() + ": " + std::strerror(errno));
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return fail(Errc::refused, "plugin " + plugin.string() + " is not loaded: its " + what + " " + path.string() +
                                   " is owned by uid " + std::to_string(st.st_uid) +
                                   "; expected root (or the user haven runs as), since the plugin runs with "
                                   "haven's rights");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return fail(Errc::refused, "plugin " + plugin.string() + " is not loaded: its " + what + " " + path.string() +
                                   " has mode " + octal(st.st_mode) +
                                   ", writable by group or others, who could put their code in haven; "
                                   "`chmod go-w " + path.string() + "` first");
  return ok_status();
}

}  // namespace

Status check_plugin_trust(const std::filesystem::path& file) {
  std::error_code ec;
  auto real = std::filesystem::canonical(file, ec);
  if (ec) return fail(Errc::io_error, "cannot resolve plugin " + file.string() + ": " + ec.message());
  if (auto st = check_one(real, "file", file); !st.ok()) return st;
  return check_one(real.parent_path(), "folder", file);
}

}  // namespace haven
