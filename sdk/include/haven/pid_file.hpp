// haven SDK: a server's pid file, for application plugins (header-only). A pid file proves
// nothing on its own: it may be a crash's, or a copy of the other node's in a replicated
// folder, and on this node its number belongs to whatever process has it; the plugin verifies
// the process (process_facts.hpp) before it signals it.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven {

/// Parses a pid file's text: its first line is a pid above 0 (blanks around allowed).
/// invalid_argument naming `where` otherwise (a torn or foreign file, which a start replaces).
inline Result<pid_t> parse_pid_file(std::string_view text, std::string_view where) {
  auto line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
  long pid = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
  if (line.empty() || ec != std::errc{} || end != line.data() + line.size() || pid <= 0 || pid > 0x7fffffff)
    return fail(Errc::invalid_argument, std::string(where) + ": the first line is not a process id ('" +
                                            std::string(line) + "'); expected the server's pid file");
  return static_cast<pid_t>(pid);
}

/// Reads `file`: nullopt when there is none, the pid, or an error naming the file.
inline Result<std::optional<pid_t>> read_pid_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (!ec) return std::optional<pid_t>{};
    return fail(Errc::io_error, "cannot look for " + file.string() + ": " + ec.message());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Errc::io_error, "cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto pid = parse_pid_file(text.str(), file.string());
  if (!pid) return std::move(pid).error();
  return std::optional<pid_t>(*pid);
}

/// Writes `pid` and a newline to `file`, replaced at once (a new file renamed over it, mode
/// 0644), for a server that writes no pid file of its own; an error names the file.
inline Status write_pid_file(const std::filesystem::path& file, pid_t pid) {
  const auto temporary = file.string() + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << pid << "\n";
    if (!out.flush()) return fail(Errc::io_error, "cannot write the pid file " + temporary + ": " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::permissions(temporary, std::filesystem::perms(0644), ec);
  std::filesystem::rename(temporary, file, ec);
  if (ec) return fail(Errc::io_error, "cannot put the pid file in place at " + file.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace haven
