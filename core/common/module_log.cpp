#include "common/module_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <cstdlib>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "common/journal_sink.hpp"
#include "common/rotating_log_sink.hpp"

namespace haven {
namespace {

constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %L %v";

char level_letter(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return 'D';
    case LogLevel::info: return 'I';
    case LogLevel::warning: return 'W';
    case LogLevel::error: return 'E';
  }
  return 'I';
}

}  // namespace

ModuleLogFiles module_log_files(const HavenPaths& paths, const std::string& module) {
  auto dir = paths.module_log_dir(module);
  return {dir / "module.log", dir / "verbose.log", dir / "userlog.ulog"};
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warning: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

Result<std::shared_ptr<spdlog::logger>> open_module_logger(const HavenPaths& paths, const std::string& module,
                                                           const ModuleLogLimits& limits) {
  auto files = module_log_files(paths, module);
  try {
    std::filesystem::create_directories(files.module_log.parent_path());
    auto main_sink = std::make_shared<RotatingLogSink>(files.module_log, limits.module_log);
    main_sink->set_level(spdlog::level::info);
    auto verbose_sink = std::make_shared<RotatingLogSink>(files.verbose_log, limits.verbose_log);
    verbose_sink->set_level(spdlog::level::debug);
    auto user_log_rotation = std::make_shared<ForeignLogRotation>(files.user_log, limits.user_log);
    user_log_rotation->set_level(spdlog::level::debug);
    auto journal = std::make_shared<JournalSink>(module_journal_identifier(module),
                                                 std::vector<std::string>{"HAVEN_MODULE=" + module});
    journal->set_level(spdlog::level::info);
    // Not registered in spdlog's global registry: each agent owns its loggers.
    auto logger = std::make_shared<spdlog::logger>(
        module, spdlog::sinks_init_list{main_sink, verbose_sink, user_log_rotation, journal});
    logger->set_pattern(kPattern);
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::debug);
    return logger;
  } catch (const std::exception& e) {
    return fail(Errc::io_error, "cannot open the logs of module " + module + " in " +
                                    files.module_log.parent_path().string() + ": " + e.what());
  }
}

Result<std::shared_ptr<spdlog::logger>> open_module_logger(const HavenPaths& paths, const std::string& module) {
  return open_module_logger(paths, module, ModuleLogLimits{});
}

bool set_user_log_limit(spdlog::logger& logger, const LogRotationLimit& limit) {
  bool found = false;
  for (auto& sink : logger.sinks())
    if (auto rotation = std::dynamic_pointer_cast<ForeignLogRotation>(sink)) {
      rotation->set_limit(limit);
      found = true;
    }
  return found;
}

Result<std::shared_ptr<spdlog::logger>> open_daemon_logger(const HavenPaths& paths, bool to_stderr) {
  try {
    std::filesystem::create_directories(paths.log_dir());
    std::vector<spdlog::sink_ptr> sinks;
    sinks.push_back(std::make_shared<RotatingLogSink>(paths.daemon_log(), kDaemonLogLimit));
    auto journal = std::make_shared<JournalSink>("havend");
    journal->set_level(spdlog::level::info);
    // Under systemd, standard error already is the journal: the journal sink says it better
    // (with each line's priority), so the copy on standard error would only show twice.
    const bool stderr_is_journal = journal->enabled() && std::getenv("JOURNAL_STREAM") != nullptr;
    sinks.push_back(journal);
    if (to_stderr && !stderr_is_journal) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    auto logger = std::make_shared<spdlog::logger>("havend", sinks.begin(), sinks.end());
    logger->set_pattern(kPattern);
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::debug);
    return logger;
  } catch (const std::exception& e) {
    return fail(Errc::io_error, "cannot open the daemon log " + paths.daemon_log().string() + ": " + e.what());
  }
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  std::string t;
  for (char c : text) t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (t == "e" || t == "error" || t == "err") return LogLevel::error;
  if (t == "w" || t == "warning" || t == "warn") return LogLevel::warning;
  if (t == "i" || t == "info") return LogLevel::info;
  if (t == "d" || t == "debug") return LogLevel::debug;
  return std::nullopt;
}

std::optional<LogLevel> log_line_level(std::string_view line) {
  // "2026-11-25 17:04:12.345 I text": the letter at 24, between spaces.
  constexpr std::size_t kLetter = 24;
  if (line.size() < kLetter + 1 || line[4] != '-' || line[10] != ' ' || line[kLetter - 1] != ' ') return std::nullopt;
  if (line.size() > kLetter + 1 && line[kLetter + 1] != ' ') return std::nullopt;
  switch (line[kLetter]) {
    case 'D': return LogLevel::debug;
    case 'I': return LogLevel::info;
    case 'W': return LogLevel::warning;
    case 'E': return LogLevel::error;
    case 'C': return LogLevel::error;  // spdlog's critical
    default: return std::nullopt;
  }
}

std::string log_timestamp_now() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03d", static_cast<int>(ms));
  return buf;
}

std::string format_log_line(LogLevel level, std::string_view text) {
  std::string line = log_timestamp_now() + " " + level_letter(level) + " ";
  line.append(text);
  line.push_back('\n');
  return line;
}

Status append_log_line(const std::filesystem::path& file, LogLevel level, std::string_view text) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return fail(Errc::io_error, "cannot open log " + file.string() + ": " + std::strerror(errno));
  std::string line = format_log_line(level, text);
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()))
    return fail(Errc::io_error, "cannot write log " + file.string() + ": " + std::strerror(err));
  return ok_status();
}

}  // namespace haven
