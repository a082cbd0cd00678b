#include "postmaster_pid.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace haven::postgresql {
namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

template <typename Int>
std::optional<Int> whole_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  Int value{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

}  // namespace

Result<PostmasterPidFile> parse_postmaster_pid(std::string_view text, std::string_view where) {
  const auto lines = lines_of(text);
  const auto pid = lines.empty() ? std::nullopt : whole_number<long>(lines[0]);
  if (!pid || *pid <= 0 || *pid > 0x7fffffff)
    return fail(Errc::invalid_argument, std::string(where) + ": line 1 is not a process id (" +
                                            (lines.empty() ? std::string("the file is empty") : "'" + std::string(lines[0]) + "'") +
                                            "); expected PostgreSQL's lock file, whose first line is the postmaster's pid");
  if (lines.size() < 2 || lines[1].empty())
    return fail(Errc::invalid_argument, std::string(where) +
                                            ": line 2 (the data directory) is missing; expected PostgreSQL's lock file");
  PostmasterPidFile file;
  file.pid = static_cast<pid_t>(*pid);
  file.data_directory = std::string(lines[1]);
  if (lines.size() >= 4) file.port = whole_number<int>(lines[3]);
  return file;
}

Result<std::optional<PostmasterPidFile>> read_postmaster_pid(const std::filesystem::path& data) {
  const auto file = data / "postmaster.pid";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (!ec) return std::optional<PostmasterPidFile>{};
    return fail(Errc::io_error, "cannot look for " + file.string() + ": " + ec.message());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Errc::io_error, "cannot read " + file.string() + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parse_postmaster_pid(text.str(), file.string());
  if (!parsed) return std::move(parsed).error();
  return std::optional<PostmasterPidFile>(std::move(parsed).value());
}

}  // namespace haven::postgresql
