// The settings of one PostgreSQL cluster, from an AppContext's key/values: read and checked
// once per call, with every default in one place (README.md lists them).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "haven/application.hpp"
#include "haven/result.hpp"

namespace haven::postgresql {

struct PostgresSettings {
  std::filesystem::path data;        ///< "data": the cluster's data directory (required, absolute)
  std::string version;               ///< "version": the major version ("15"); found when not given
  std::filesystem::path bin;         ///< "bin": where pg_ctl is; /usr/lib/postgresql/<version>/bin
  int port = 5432;                   ///< "port"
  std::string user = "postgres";     ///< "user": the system user the server runs as
  std::string listen = "*";          ///< "listen": listen_addresses
  std::filesystem::path socket_dir;  ///< "socket_dir": unix_socket_directories; /var/run/postgresql
  std::filesystem::path log;         ///< "log": the server's log; /var/log/postgresql/haven-<port>.log
  std::string options;               ///< "options": more server options, given to pg_ctl -o
  std::string host = "127.0.0.1";    ///< "host": where check connects (an address or a socket folder)
  std::string dbuser;                ///< "dbuser": the role check logs in as; `user` when not given
  std::string dbname = "postgres";   ///< "dbname"
  std::string password;              ///< "password": for check's login, when the server asks one
  std::chrono::seconds start_timeout{60};   ///< "start_timeout": pg_ctl start -w -t
  std::chrono::seconds stop_timeout{60};    ///< "stop_timeout": each stop's wait
  std::chrono::seconds check_timeout{5};    ///< "check_timeout": connect and SELECT 1
};

/// The major versions installed under `root` (/usr/lib/postgresql): the names of its
/// sub-folders that hold bin/pg_ctl, highest first.
std::vector<std::string> installed_versions(const std::filesystem::path& root = "/usr/lib/postgresql");

/// Pure: the version to run. `asked` (the "version" setting) wins when given and must be
/// installed and equal `in_data` (the data directory's PG_VERSION) when that is known; without
/// `asked`, `in_data`, else the only installed version. Errors name what to set.
Result<std::string> choose_version(const std::string& asked, const std::optional<std::string>& in_data,
                                   const std::vector<std::string>& installed, const std::string& data);

/// Reads and checks the settings of `app`; invalid_argument naming the key, its value and what
/// was expected. The binaries are looked up (bin/pg_ctl must exist) unless "bin" is given.
Result<PostgresSettings> read_settings(const AppContext& app);

/// The data directory's PG_VERSION, first line, or nullopt when it cannot be read.
std::optional<std::string> data_version(const std::filesystem::path& data);

}  // namespace haven::postgresql
