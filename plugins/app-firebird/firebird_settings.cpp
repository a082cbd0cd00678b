#include "firebird_settings.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

#include "haven/application_support.hpp"

namespace haven::firebird {
namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string unquoted(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  return std::string(value);
}

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

}  // namespace

std::string parse_password_file(std::string_view text) {
  std::string first;
  std::istringstream in{std::string(text)};
  for (std::string raw; std::getline(in, raw);) {
    const auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.rfind("ISC_PASSWORD=", 0) == 0) return unquoted(line.substr(13));
    if (first.empty() && line.find('=') == std::string_view::npos) first = std::string(line);
  }
  return first;
}

Result<FirebirdSettings> read_settings(const AppContext& app) {
  const AppSettingsReader read(app, "Firebird");
  FirebirdSettings s;
  auto data = read.required_folder("data", "the absolute path of the folder of the databases (the replicated folder)");
  if (!data) return std::move(data).error();
  s.data = *data;
  auto port = read.integer("port", 3050, 1, 65535);
  if (!port) return std::move(port).error();
  s.port = static_cast<int>(*port);
  const std::string tag = "haven-" + std::to_string(s.port);
  s.user = read.text("user", "firebird");
  s.listen = read.text("listen", "*");
  if (s.listen.find_first_of(" \t\n") != std::string::npos)
    return fail(Errc::invalid_argument, "Firebird setting listen=\"" + s.listen +
                                            "\" must be one address, or * for every address");
  auto run_dir = read.absolute_path("run_dir", "/run/haven-firebird-" + std::to_string(s.port));
  if (!run_dir) return std::move(run_dir).error();
  s.run_dir = run_dir->lexically_normal();
  if (s.run_dir == s.data || s.run_dir.lexically_relative(s.data).string().rfind("..", 0) != 0)
    return fail(Errc::invalid_argument, "Firebird setting run_dir=\"" + s.run_dir.string() +
                                            "\" is inside data: the lock files and the pid file must stay on this "
                                            "node, outside the replicated folder");
  struct PathSetting {
    const char* key;
    std::string fallback;
    fs::path* value;
  };
  const PathSetting paths[] = {
      {"pid_file", (s.run_dir / "firebird.pid").string(), &s.pid_file},
      {"log", "/var/log/firebird/" + tag + ".log", &s.log},
      {"config", "", &s.config},
      {"plugins_conf", "/etc/firebird/3.0/plugins.conf", &s.plugins_conf},
      {"security_db", (s.data / "security3.fdb").string(), &s.security_db}};
  for (const auto& p : paths) {
    auto path = read.absolute_path(p.key, p.fallback);
    if (!path) return std::move(path).error();
    *p.value = *path;
  }
  const fs::path database = read.text("database", "haven.fdb");
  s.database = database.is_absolute() ? database : s.data / database;
  const bool one_address = !s.listen.empty() && s.listen != "*" && s.listen != "0.0.0.0" && s.listen != "::";
  s.host = read.text("host", one_address ? s.listen : "127.0.0.1");
  s.dbuser = read.text("dbuser", "SYSDBA");
  s.password = read.text("password");
  auto password_file = read.absolute_path("password_file");
  if (!password_file) return std::move(password_file).error();
  if (s.password.empty() && !password_file->empty()) {
    std::ifstream in(*password_file);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    if (in) s.password = parse_password_file(text.str());
    if (s.password.empty())
      s.password_problem = "Firebird setting password_file=\"" + password_file->string() +
                           "\" cannot be read or holds no password; expected a file holding " + s.dbuser +
                           "'s password (a line ISC_PASSWORD=..., or the password alone)";
  }
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
  auto server = read.absolute_path("server", "/usr/sbin/firebird");
  if (!server) return std::move(server).error();
  s.server = *server;
  if (!file_exists(s.server))
    return fail(Errc::not_found, "Firebird server program " + s.server.string() +
                                     " is not on this node: apt-get install firebird3.0-server, or set the "
                                     "server setting to the path of the SuperServer program (firebird)");
  return s;
}

std::string firebird_conf_text(const FirebirdSettings& s, std::string_view extra) {
  std::string text = "# Written by haven's app-firebird plugin at each start: the instance's own configuration.\n";
  if (!extra.empty()) {
    text += "# From " + s.config.string() + ":\n";
    text += extra;
    if (text.back() != '\n') text += '\n';
  }
  text += "# Decided by haven (the last value of a parameter wins):\n";
  text += "ServerMode = Super\n";
  // The logins are this instance's: without it, Firebird uses Debian's own security database.
  text += "SecurityDatabase = " + s.security_db.string() + "\n";
  text += "RemoteServicePort = " + std::to_string(s.port) + "\n";
  text += "RemoteBindAddress = " + (s.listen == "*" ? std::string() : s.listen) + "\n";
  text += "FileSystemCacheThreshold = 2147483647\n";
  // Only the replicated folder's databases: one elsewhere would be lost at a takeover. A
  // relative name a client gives is looked for there too ("haven.fdb").
  std::string folders = s.data.string();
  const auto security_folder = s.security_db.parent_path();
  if (!security_folder.empty() && security_folder.lexically_relative(s.data).string().rfind("..", 0) == 0)
    folders += ";" + security_folder.string();
  text += "DatabaseAccess = Restrict " + folders + "\n";
  return text;
}

std::string databases_conf_text(const FirebirdSettings& s) {
  return "# Written by haven's app-firebird plugin at each start.\n"
         "security.db = " + s.security_db.string() + "\n"
         "{\n"
         "\tRemoteAccess = false\n"
         "}\n";
}

std::vector<std::string> server_command(const FirebirdSettings& s) { return {s.server.string(), s.data.string()}; }

std::vector<std::string> server_environment(const FirebirdSettings& s, const fs::path& msg_dir) {
  std::vector<std::string> env{"FIREBIRD=" + s.conf_dir().string(), "FIREBIRD_LOCK=" + s.lock_dir().string()};
  if (!msg_dir.empty()) env.push_back("FIREBIRD_MSG=" + msg_dir.string());
  return env;
}

std::string connection_string(const FirebirdSettings& s) {
  const bool v6 = s.host.find(':') != std::string::npos && s.host.front() != '[';
  return "inet://" + (v6 ? "[" + s.host + "]" : s.host) + ":" + std::to_string(s.port) + "/" + s.database.string();
}

fs::path find_install_dir() {
  std::error_code ec;
  for (fs::directory_iterator it("/usr/lib", ec), end; !ec && it != end; it.increment(ec)) {
    const auto candidate = it->path() / "firebird" / "3.0";
    if (file_exists(candidate / "firebird.msg")) return candidate;
  }
  return {};
}

}  // namespace haven::firebird
