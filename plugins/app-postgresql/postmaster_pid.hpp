// postmaster.pid, the lock file PostgreSQL keeps in its data directory: what it says, read
// as plain text. It proves nothing on its own: in a replicated folder it may be the other
// node's, and its pid may be any process of this node (postmaster_identity.hpp decides).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven::postgresql {

/// The first lines of postmaster.pid (PostgreSQL's miscinit.c): pid, data directory, start
/// time, port, socket directory.
struct PostmasterPidFile {
  pid_t pid = 0;                 ///< line 1, above 0
  std::string data_directory;    ///< line 2, as the postmaster was given it
  std::optional<int> port;       ///< line 4, when present and a number
};

/// Parses the file's text. invalid_argument (naming `where`) when line 1 is not a pid above
/// 0 or line 2 is missing: a torn or foreign file, which a start may replace.
Result<PostmasterPidFile> parse_postmaster_pid(std::string_view text, std::string_view where);

/// Reads `<data>/postmaster.pid`: std::nullopt when there is none (nothing runs, or it
/// stopped cleanly), the parsed file, or an error naming the file.
Result<std::optional<PostmasterPidFile>> read_postmaster_pid(const std::filesystem::path& data);

}  // namespace haven::postgresql
