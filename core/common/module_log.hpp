// The logs of a module: module.log (what an administrator reads: info and above),
// verbose.log (everything), userlog.ulog (the hooks' output, written by the hook runner).
//
// Lines look alike in all of them: `2026-11-25 17:04:12.345 I message`. Other processes
// (hooks calling `haven printi`) append whole lines with O_APPEND, so lines never mix.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "haven/log.hpp"
#include "haven/result.hpp"

namespace haven {

/// module.log, verbose.log and userlog.ulog of a module.
struct ModuleLogFiles {
  std::filesystem::path module_log;
  std::filesystem::path verbose_log;
  std::filesystem::path user_log;
};

ModuleLogFiles module_log_files(const HavenPaths& paths, const std::string& module);

/// A logger writing info and above to module.log and everything to verbose.log, flushed
/// at every line (a crash must not eat the last lines). Creates the folder.
Result<std::shared_ptr<spdlog::logger>> open_module_logger(const HavenPaths& paths, const std::string& module);

/// A logger for the daemon's own log (havend.log) and standard error.
Result<std::shared_ptr<spdlog::logger>> open_daemon_logger(const HavenPaths& paths, bool to_stderr);

/// "2026-11-25 17:04:12.345", local time: the start of every log line haven writes.
std::string log_timestamp_now();

/// Formats one line as the loggers do: timestamp, level letter (D I W E), text, newline.
std::string format_log_line(LogLevel level, std::string_view text);

/// Appends one whole line to `file` with a single O_APPEND write; creates the file.
Status append_log_line(const std::filesystem::path& file, LogLevel level, std::string_view text);

/// Maps haven's level to spdlog's.
spdlog::level::level_enum to_spdlog(LogLevel level);

}  // namespace haven
