// Log lines also sent to the systemd journal (`journalctl -t haven-web`, `journalctl -t havend`),
// as the seed product sends its module logs to journald (`journalctl -t safekit`).
//
// Where no journal listens (a container, CI, a test root) the sink does nothing, silently: the
// files under the log folder stay the record. HAVEN_JOURNAL=off turns it off on purpose (tests
// on a machine with a journal, which should not fill it).
#pragma once

#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/base_sink.h>

namespace haven {

/// The journal's socket, where sd_journal_send writes.
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

/// "haven-<module>": the SYSLOG_IDENTIFIER of a module's lines.
std::string module_journal_identifier(std::string_view module);

/// The syslog priority journald files a line under: error 3, warning 4, info 6, debug and
/// trace 7, critical 2.
int journal_priority(spdlog::level::level_enum level);

/// Pure: the fields of one journal entry, "NAME=value" each: MESSAGE (the text as logged,
/// without haven's timestamp: the journal has its own), PRIORITY, SYSLOG_IDENTIFIER, then
/// `extra` as given (e.g. "HAVEN_MODULE=web").
std::vector<std::string> journal_fields(spdlog::level::level_enum level, std::string_view identifier,
                                        std::string_view text, const std::vector<std::string>& extra = {});

/// True when lines can go to the journal: `socket` exists and is a socket, and HAVEN_JOURNAL
/// is not "off".
bool journal_available(const std::filesystem::path& socket = kJournalSocket);

/// Sends each line (at or above the sink's level) to the journal with sd_journal_sendv.
/// Whether the journal is there is decided once, when the sink is made; a send that fails
/// later (journald restarting) is ignored: the files keep the line. Thread-safe.
class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  /// `extra`: fields added to every entry ("HAVEN_MODULE=web").
  JournalSink(std::string identifier, std::vector<std::string> extra = {},
              bool enabled = journal_available());

  /// False when the journal was not there when the sink was made (it then does nothing).
  bool enabled() const { return enabled_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string identifier_;
  std::vector<std::string> extra_;
  bool enabled_;
};

}  // namespace haven
