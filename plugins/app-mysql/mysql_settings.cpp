#include "mysql_settings.hpp"

#include <system_error>
#include <tuple>

#include "haven/application_support.hpp"

namespace haven::mysql {
namespace {

namespace fs = std::filesystem;

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
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
  const AppSettingsReader read(app, "MariaDB");
  MysqlSettings s;
  auto data = read.required_folder("data", "the absolute path of the server's datadir "
                                           "(the folder holding the mysql system database)");
  if (!data) return std::move(data).error();
  s.data = *data;
  auto port = read.integer("port", 3306, 1, 65535);
  if (!port) return std::move(port).error();
  s.port = static_cast<int>(*port);
  const std::string tag = "haven-" + std::to_string(s.port);
  s.user = read.text("user", "mysql");
  s.listen = read.text("listen", "*");
  auto run_dir = read.absolute_path("run_dir", "/run/mysqld");
  if (!run_dir) return std::move(run_dir).error();
  s.run_dir = *run_dir;
  for (const auto& [key, fallback, value] :
       {std::tuple<const char*, std::string, fs::path*>{"socket", (s.run_dir / (tag + ".sock")).string(), &s.socket},
        {"pid_file", (s.run_dir / (tag + ".pid")).string(), &s.pid_file},
        {"log", "/var/log/mysql/" + tag + ".err", &s.log},
        {"config", "", &s.config}}) {
    auto path = read.absolute_path(key, fallback);
    if (!path) return std::move(path).error();
    *value = *path;
  }
  if (s.run_dir.empty())
    return fail(Errc::invalid_argument, "MariaDB setting run_dir must not be empty: it holds the socket and pid file");
  s.options = split_options(read.text("options"));
  s.host = read.text("host", s.socket.string());
  s.dbuser = read.text("dbuser", "root");
  s.password = read.text("password");
  s.service = read.text("service");
  if (s.service.find('/') != std::string::npos || s.service.find(' ') != std::string::npos)
    return fail(Errc::invalid_argument, "MariaDB setting service=\"" + s.service +
                                            "\" must be a systemd unit name such as mariadb");
  using std::chrono::seconds;
  auto start = read.seconds("start_timeout", seconds(60), seconds(1), seconds(86400));
  if (!start) return std::move(start).error();
  auto stop = read.seconds("stop_timeout", seconds(60), seconds(1), seconds(86400));
  if (!stop) return std::move(stop).error();
  auto check = read.seconds("check_timeout", seconds(5), seconds(1), seconds(3600));
  if (!check) return std::move(check).error();
  s.start_timeout = *start;
  s.stop_timeout = *stop;
  s.check_timeout = *check;

  const std::string server = read.text("server");
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
