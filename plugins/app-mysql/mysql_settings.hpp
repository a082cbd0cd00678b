// The settings of one MariaDB (or MySQL) server, from an AppContext's key/values: read and
// checked once per call, with every default in one place (README.md lists them).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "haven/application.hpp"
#include "haven/result.hpp"

namespace haven::mysql {

struct MysqlSettings {
  std::filesystem::path data;         ///< "data": the datadir (required, absolute)
  std::filesystem::path server;       ///< "server": the server program; mariadbd or mysqld, found
  int port = 3306;                    ///< "port"
  std::string user = "mysql";         ///< "user": the system user the server runs as
  std::string listen = "*";           ///< "listen": bind-address
  std::filesystem::path run_dir;      ///< "run_dir": socket, pid file, config copy; /run/mysqld
  std::filesystem::path socket;       ///< "socket": <run_dir>/haven-<port>.sock
  std::filesystem::path pid_file;     ///< "pid_file": <run_dir>/haven-<port>.pid
  std::filesystem::path log;          ///< "log": the server's error log; /var/log/mysql/haven-<port>.err
  std::filesystem::path config;       ///< "config": an option file given to the server (a copy of it)
  std::vector<std::string> options;   ///< "options": more server options, split at spaces
  std::string host;                   ///< "host": where check connects; the socket when not given
  std::string dbuser = "root";        ///< "dbuser": check's login (root: unix_socket auth as root)
  std::string password;               ///< "password"
  std::string service;                ///< "service": a systemd unit to start and stop instead
  std::chrono::seconds start_timeout{60};  ///< "start_timeout": until the server answers
  std::chrono::seconds stop_timeout{60};   ///< "stop_timeout": each stop's wait
  std::chrono::seconds check_timeout{5};   ///< "check_timeout": connect, read and write timeouts

  /// Whether check connects over the unix socket (host is a path).
  bool check_over_socket() const { return !host.empty() && host.front() == '/'; }
};

/// The server programs looked for, in order, when "server" is not set: MariaDB's name first,
/// then MySQL's (Debian links one to the other).
std::vector<std::filesystem::path> server_candidates();

/// Pure: the first of `candidates` for which `exists` is true, or not_found naming them all.
Result<std::filesystem::path> choose_server(const std::vector<std::filesystem::path>& candidates,
                                            bool (*exists)(const std::filesystem::path&));

/// Pure: `text` split at runs of spaces and tabs (no quoting: one option, one word).
std::vector<std::string> split_options(const std::string& text);

/// Reads and checks the settings of `app`; invalid_argument naming the key, its value and what
/// was expected. The server program is looked up unless "server" is given (then it must exist).
Result<MysqlSettings> read_settings(const AppContext& app);

/// The server's command line for `s`: the option file first (MariaDB reads --defaults-file
/// only there; `config_copy`, or --no-defaults when empty), then datadir, socket, pid file,
/// port, bind-address, then `s.options`. Pure.
std::vector<std::string> server_command(const MysqlSettings& s, const std::filesystem::path& config_copy);

}  // namespace haven::mysql
