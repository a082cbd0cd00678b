#include "common/journal_sink.hpp"

#include <sys/stat.h>
#include <sys/uio.h>

#include <cstdlib>

#include <systemd/sd-journal.h>

namespace haven {

std::string module_journal_identifier(std::string_view module) { return "haven-" + std::string(module); }

int journal_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return 7;
    case spdlog::level::info: return 6;
    case spdlog::level::warn: return 4;
    case spdlog::level::err: return 3;
    case spdlog::level::critical: return 2;
    default: return 6;
  }
}

std::vector<std::string> journal_fields(spdlog::level::level_enum level, std::string_view identifier,
                                        std::string_view text, const std::vector<std::string>& extra) {
  std::vector<std::string> fields;
  fields.reserve(3 + extra.size());
  std::string message = "MESSAGE=";
  message.append(text);
  fields.push_back(std::move(message));
  fields.push_back("PRIORITY=" + std::to_string(journal_priority(level)));
  std::string ident = "SYSLOG_IDENTIFIER=";
  ident.append(identifier);
  fields.push_back(std::move(ident));
  fields.insert(fields.end(), extra.begin(), extra.end());
  return fields;
}

bool journal_available(const std::filesystem::path& socket) {
  if (const char* off = std::getenv("HAVEN_JOURNAL"); off != nullptr && std::string_view(off) == "off") return false;
  struct stat st {};
  return ::stat(socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

JournalSink::JournalSink(std::string identifier, std::vector<std::string> extra, bool enabled)
    : identifier_(std::move(identifier)), extra_(std::move(extra)), enabled_(enabled) {}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  if (!enabled_) return;
  const auto fields = journal_fields(msg.level, identifier_, std::string_view(msg.payload.data(), msg.payload.size()), extra_);
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (const auto& f : fields) iov.push_back(iovec{const_cast<char*>(f.data()), f.size()});
  // The files hold the line whatever happens here: a journal that went away is not an error.
  (void)sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace haven
