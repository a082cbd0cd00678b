// The processes running now, read from /proc (or another folder laid out like it, for tests).
#pragma once

#include <filesystem>
#include <vector>

#include "process_match.hpp"

namespace haven::checker_proc {

/// Every process of `proc_root` with its comm and command line. Processes that end while
/// they are read are skipped; an unreadable `proc_root` is an io_error naming it.
Result<std::vector<ProcessInfo>> read_process_table(const std::filesystem::path& proc_root = "/proc");

}  // namespace haven::checker_proc
