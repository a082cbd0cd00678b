// The logs of a module: module.log (what an administrator reads: info and above),
// verbose.log (everything), userlog.ulog (the hooks' output, written by the hook runner).
//
// Lines look alike in all of them: `2026-11-25 17:04:12.345 I message`. Other processes
// (hooks calling `haven printi`) append whole lines with O_APPEND, so lines never mix.
//
// Every log is bounded (module_log_limits.hpp): module.log, verbose.log and havend.log are
// rotated by renaming, by the logger that writes them; userlog.ulog, held open by hooks, is
// copied then truncated by the module's agent (log_rotation.hpp). Lines at info and above
// also go to the systemd journal as haven-<module> / havend (journal_sink.hpp).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "common/haven_paths.hpp"
#include "common/module_log_limits.hpp"
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

/// A logger writing info and above to module.log and everything to verbose.log, each line
/// written at once (a crash must not eat the last lines), both rotated at `limits`; it also
/// rotates userlog.ulog at `limits.user_log` (the agent owns that rotation), and sends info
/// and above to the journal as haven-<module> when a journal listens. Creates the folder.
Result<std::shared_ptr<spdlog::logger>> open_module_logger(const HavenPaths& paths, const std::string& module,
                                                           const ModuleLogLimits& limits);

/// The same with the default limits; the agent sets the user log's own with set_user_log_limit.
Result<std::shared_ptr<spdlog::logger>> open_module_logger(const HavenPaths& paths, const std::string& module);

/// Sets the bound of the user log that a logger of open_module_logger rotates: for the agent,
/// once it has loaded the module's configuration, with user_log_limit(<user userlogsize>).
/// False when the logger rotates no user log.
bool set_user_log_limit(spdlog::logger& logger, const LogRotationLimit& limit);

/// A logger for the daemon's own log (havend.log, rotated at kDaemonLogLimit), the journal
/// (as havend) and, when `to_stderr`, standard error — except when standard error already is
/// the journal (systemd sets JOURNAL_STREAM), where the lines would show twice.
Result<std::shared_ptr<spdlog::logger>> open_daemon_logger(const HavenPaths& paths, bool to_stderr);

/// "2026-11-25 17:04:12.345", local time: the start of every log line haven writes.
std::string log_timestamp_now();

/// Formats one line as the loggers do: timestamp, level letter (D I W E), text, newline.
std::string format_log_line(LogLevel level, std::string_view text);

/// Appends one whole line to `file` with a single O_APPEND write; creates the file.
Status append_log_line(const std::filesystem::path& file, LogLevel level, std::string_view text);

/// Maps haven's level to spdlog's.
spdlog::level::level_enum to_spdlog(LogLevel level);

/// A level as an administrator types it: "E", "error", "W", "warning", "warn", "I", "info",
/// "D", "debug" (any case); nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text);

/// The level of a line of module.log or verbose.log (the letter after the timestamp);
/// nullopt for a line of another shape (the rest of a message that held a newline).
std::optional<LogLevel> log_line_level(std::string_view line);

}  // namespace haven
