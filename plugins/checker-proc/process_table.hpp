// The processes running now, read from /proc (or another folder laid out like it, for tests).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "process_match.hpp"

namespace haven::checker_proc {

/// Every process of `proc_root` with its comm and command line. Processes that end while
/// they are read are skipped; an unreadable `proc_root` is an io_error naming it.
Result<std::vector<ProcessInfo>> read_process_table(const std::filesystem::path& proc_root = "/proc");

/// One process from what its /proc folder holds: `folder` the folder's name ("1234"), `comm`
/// and `cmdline` the contents of those files (written by the process's owner: any bytes).
/// nullopt when the folder is not a process's or the process ended (comm empty). comm keeps
/// what is before a NUL, less its newline; argv holds no NUL. Pure.
std::optional<ProcessInfo> parse_process_entry(std::string_view folder, std::string_view comm,
                                               std::string_view cmdline);

}  // namespace haven::checker_proc
