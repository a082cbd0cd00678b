// The server's pid file: one number, written by start once the server is launched (Firebird's
// SuperServer writes none of its own). It proves nothing on its own: it may be a crash's, or a
// copy of the other node's when a module keeps it in a replicated folder, and on this node its
// number belongs to whatever process has it (server_identity.hpp decides).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>

#include "haven/result.hpp"

namespace haven::firebird {

/// Parses the file's text: its first line is a pid above 0 (spaces around allowed).
/// invalid_argument naming `where` otherwise (a torn or foreign file, which a start replaces).
Result<pid_t> parse_pid_file(std::string_view text, std::string_view where);

/// Reads `file`: std::nullopt when there is none, the pid, or an error naming the file.
Result<std::optional<pid_t>> read_pid_file(const std::filesystem::path& file);

/// Writes `pid` and a newline to `file` (replaced atomically, mode 0644); an error names it.
Status write_pid_file(const std::filesystem::path& file, pid_t pid);

}  // namespace haven::firebird
