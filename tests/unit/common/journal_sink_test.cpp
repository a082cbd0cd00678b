// Lines to the systemd journal: the fields of an entry, the priority of each level, and a sink
// that stays silent where no journal listens.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "common/journal_sink.hpp"
#include "common/module_log.hpp"
#include "temp_folder.hpp"

using namespace haven;
using haven::test::TempFolder;

namespace {

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("a journal entry carries the message, its priority and the syslog identifier", "[journal]") {
  const auto fields = journal_fields(spdlog::level::warn, module_journal_identifier("web"),
                                     "Resource tcp.web set to down by tcpcheck", {"HAVEN_MODULE=web"});
  REQUIRE(fields.size() == 4);
  CHECK(fields[0] == "MESSAGE=Resource tcp.web set to down by tcpcheck");
  CHECK(fields[1] == "PRIORITY=4");
  CHECK(fields[2] == "SYSLOG_IDENTIFIER=haven-web");
  CHECK(fields[3] == "HAVEN_MODULE=web");

  const auto daemon = journal_fields(spdlog::level::info, "havend", "havend started");
  REQUIRE(daemon.size() == 3);
  CHECK(daemon[2] == "SYSLOG_IDENTIFIER=havend");
}

TEST_CASE("each level maps to its syslog priority", "[journal]") {
  CHECK(journal_priority(spdlog::level::critical) == 2);
  CHECK(journal_priority(spdlog::level::err) == 3);
  CHECK(journal_priority(spdlog::level::warn) == 4);
  CHECK(journal_priority(spdlog::level::info) == 6);
  CHECK(journal_priority(spdlog::level::debug) == 7);
  CHECK(journal_priority(spdlog::level::trace) == 7);
  CHECK(journal_priority(to_spdlog(LogLevel::error)) == 3);
  CHECK(journal_priority(to_spdlog(LogLevel::warning)) == 4);
}

TEST_CASE("a message holding a newline stays one field", "[journal]") {
  const auto fields = journal_fields(spdlog::level::err, "havend", "first\nsecond");
  CHECK(fields[0] == "MESSAGE=first\nsecond");
}

TEST_CASE("the journal counts as there only when its socket is a socket and HAVEN_JOURNAL is not off", "[journal]") {
  TempFolder dir;
  CHECK_FALSE(journal_available(dir.path() / "no-socket"));
  std::ofstream(dir.path() / "plain") << "not a socket";
  CHECK_FALSE(journal_available(dir.path() / "plain"));

  const auto socket_path = dir.path() / "journal.sock";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(socket_path.string().size() < sizeof addr.sun_path);
  std::strcpy(addr.sun_path, socket_path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  {
    ScopedEnv on("HAVEN_JOURNAL", "on");
    CHECK(journal_available(socket_path));
  }
  {
    ScopedEnv off("HAVEN_JOURNAL", "off");
    CHECK_FALSE(journal_available(socket_path));
  }
  ::close(fd);
}

TEST_CASE("a journal sink without a journal logs nothing and fails nothing", "[journal]") {
  auto sink = std::make_shared<JournalSink>("haven-test", std::vector<std::string>{}, false);
  CHECK_FALSE(sink->enabled());
  spdlog::logger logger("test", sink);
  logger.error("nobody listens");  // must not throw nor block
  SUCCEED();
}

TEST_CASE("where a journal listens, a line reaches it without error", "[journal]") {
  if (!journal_available()) {
    WARN("no journal socket at " << kJournalSocket << ": nothing to send to");
    return;
  }
  auto sink = std::make_shared<JournalSink>("haven-unit-test", std::vector<std::string>{"HAVEN_MODULE=unit"});
  REQUIRE(sink->enabled());
  spdlog::logger logger("test", sink);
  CHECK_NOTHROW(logger.info("haven unit test: journal sink line"));
}
