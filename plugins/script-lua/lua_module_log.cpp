#include "lua_module_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace haven::lua {
namespace {

std::string timestamp_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(ms));
  return buf;
}

bool write_all(int fd, const std::string& s) {
  ssize_t n;
  do {
    n = ::write(fd, s.data(), s.size());
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(s.size());
}

}  // namespace

std::string module_log_line(char level, std::string_view module, std::string_view message) {
  std::string line = timestamp_now();
  line += ' ';
  line += level;
  line += ' ';
  line += module;
  line += ": ";
  for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  return line;
}

void write_module_log(char level, std::string_view module, std::string_view message) {
  const auto line = module_log_line(level, module, message);
  const char* path = std::getenv("HAVEN_MODULE_LOG");
  if (path != nullptr && *path != '\0') {
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
      const bool ok = write_all(fd, line);
      ::close(fd);
      if (ok) return;
    }
    const std::string why = std::string("haven.print: cannot append to the module log ") + path + " (" +
                            std::strerror(errno) + "); the line was:\n";
    write_all(STDERR_FILENO, why);
  }
  write_all(STDERR_FILENO, line);
}

}  // namespace haven::lua
