#include "mysql_settings.hpp"

#include <charconv>
#include <system_error>

namespace haven::mysql {
namespace {

namespace fs = std::filesystem;

Result<long> number_setting(const AppContext& app, const char* key, long fallback, long low, long high) {
  const std::string text = app.get(key);
  if (text.empty()) return fallback;
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    return fail(Errc::invalid_argument, std::string("MariaDB setting ") + key + "=\"" + text +
                                            "\" is not a whole number from " + std::to_string(low) + " to " +
                                            std::to_string(high));
  return value;
}

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

Status absolute_or_fail(const char* key, const fs::path& value) {
  if (value.empty() || value.is_absolute()) return ok_status();
  return fail(Errc::invalid_argument, std::string("MariaDB setting ") + key + "=\"" + value.string() +
                                          "\" must be an absolute path");
}

}  // namespace

std::vector<fs::path> server_candidates() {
  return {"/usr/sbin/mariadbd", "/usr/sbin/mysqld", "/usr/bin/mariadbd", "/usr/bin/mysqld", "/usr/libexec/mysqld"};
}

Result<fs::path> choose_server(const std::vector<fs::path>& candidates, bool (*exists)(const fs::path&)) {
  std::string tried;
  for (const auto& c : candidates) {
    if (exists(c)) return c;
    tried += (tried.empty() ? "" : ", ") + c.string();
  }
  return fail(Errc::not_found, "no MariaDB or MySQL server program on this node (looked for " + tried +
                                   "): apt-get install mariadb-server, or set the server setting to the "
                                   "path of mariadbd or mysqld");
}

std::vector<std::string> split_options(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

Result<MysqlSettings> read_settings(const AppContext& app) {
  MysqlSettings s;
  s.data = app.get("data");
  if (s.data.empty() || !s.data.is_absolute())
    return fail(Errc::invalid_argument, "MariaDB setting data=\"" + s.data.string() +
                                            "\" must be the absolute path of the server's datadir "
                                            "(the folder holding the mysql system database)");
  s.data = s.data.lexically_normal();
  if (!s.data.has_filename()) s.data = s.data.parent_path();
  auto port = number_setting(app, "port", 3306, 1, 65535);
  if (!port) return std::move(port).error();
  s.port = static_cast<int>(*port);
  const std::string tag = "haven-" + std::to_string(s.port);
  s.user = app.get("user", "mysql");
  s.listen = app.get("listen", "*");
  s.run_dir = app.get("run_dir", "/run/mysqld");
  s.socket = app.get("socket", (s.run_dir / (tag + ".sock")).string());
  s.pid_file = app.get("pid_file", (s.run_dir / (tag + ".pid")).string());
  s.log = app.get("log", "/var/log/mysql/" + tag + ".err");
  s.config = app.get("config");
  for (const auto& [key, value] : {std::pair<const char*, const fs::path*>{"run_dir", &s.run_dir},
                                   {"socket", &s.socket}, {"pid_file", &s.pid_file}, {"log", &s.log},
                                   {"config", &s.config}}) {
    if (auto st = absolute_or_fail(key, *value); !st) return std::move(st).error();
  }
  if (s.run_dir.empty())
    return fail(Errc::invalid_argument, "MariaDB setting run_dir must not be empty: it holds the socket and pid file");
  s.options = split_options(app.get("options"));
  s.host = app.get("host", s.socket.string());
  s.dbuser = app.get("dbuser", "root");
  s.password = app.get("password");
  s.service = app.get("service");
  if (s.service.find('/') != std::string::npos || s.service.find(' ') != std::string::npos)
    return fail(Errc::invalid_argument, "MariaDB setting service=\"" + s.service +
                                            "\" must be a systemd unit name such as mariadb");
  auto start = number_setting(app, "start_timeout", 60, 1, 86400);
  if (!start) return std::move(start).error();
  auto stop = number_setting(app, "stop_timeout", 60, 1, 86400);
  if (!stop) return std::move(stop).error();
  auto check = number_setting(app, "check_timeout", 5, 1, 3600);
  if (!check) return std::move(check).error();
  s.start_timeout = std::chrono::seconds(*start);
  s.stop_timeout = std::chrono::seconds(*stop);
  s.check_timeout = std::chrono::seconds(*check);

  const std::string server = app.get("server");
  if (!server.empty()) {
    s.server = server;
    if (!s.server.is_absolute() || !file_exists(s.server))
      return fail(Errc::not_found, "MariaDB setting server=\"" + server +
                                       "\" is not an existing absolute path; expected mariadbd or mysqld");
  } else if (s.service.empty()) {
    auto found = choose_server(server_candidates(), file_exists);
    if (!found) return std::move(found).error();
    s.server = *found;
  }
  return s;
}

std::vector<std::string> server_command(const MysqlSettings& s, const fs::path& config_copy) {
  std::vector<std::string> argv{s.server.string()};
  argv.push_back(config_copy.empty() ? std::string("--no-defaults") : "--defaults-file=" + config_copy.string());
  argv.push_back("--datadir=" + s.data.string());
  argv.push_back("--socket=" + s.socket.string());
  argv.push_back("--pid-file=" + s.pid_file.string());
  argv.push_back("--port=" + std::to_string(s.port));
  argv.push_back("--bind-address=" + s.listen);
  argv.insert(argv.end(), s.options.begin(), s.options.end());
  return argv;
}

}  // namespace haven::mysql
