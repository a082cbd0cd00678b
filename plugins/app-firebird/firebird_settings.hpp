// The settings of one Firebird server of the module's own, from an AppContext's key/values:
// read and checked once per call, with every default in one place (README.md lists them), and
// what follows from them alone: the server's configuration files, command line and environment.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "haven/application.hpp"
#include "haven/result.hpp"

namespace haven::firebird {

struct FirebirdSettings {
  std::filesystem::path data;         ///< "data": the folder of the databases (required, absolute; replicated)
  std::filesystem::path server;       ///< "server": the SuperServer program; /usr/sbin/firebird
  int port = 3050;                    ///< "port": RemoteServicePort
  std::string user = "firebird";      ///< "user": the system user the server runs as
  std::string listen = "*";           ///< "listen": RemoteBindAddress; "*" every address
  std::filesystem::path run_dir;      ///< "run_dir": configuration, lock folder, pid file; never replicated
  std::filesystem::path pid_file;     ///< "pid_file": <run_dir>/firebird.pid, written by start
  std::filesystem::path log;          ///< "log": the server's output; /var/log/firebird/haven-<port>.log
  std::filesystem::path config;       ///< "config": firebird.conf lines added to the instance's own
  std::filesystem::path plugins_conf; ///< "plugins_conf": copied beside firebird.conf; Debian's
  std::filesystem::path security_db;  ///< "security_db": the users' database; <data>/security3.fdb
  std::filesystem::path database;     ///< "database": what check attaches to; <data>/haven.fdb
  std::string host;                   ///< "host": where check connects; 127.0.0.1, or listen when one address
  std::string dbuser = "SYSDBA";      ///< "dbuser": check's login
  std::string password;               ///< "password", or read from "password_file"
  std::string password_problem;       ///< why password_file could not be read: check fails with it
  std::chrono::seconds start_timeout{60};  ///< "start_timeout": until the server answers
  std::chrono::seconds stop_timeout{60};   ///< "stop_timeout": each stop's wait
  std::chrono::seconds check_timeout{5};   ///< "check_timeout": connect and query

  /// The lock folder (FIREBIRD_LOCK): <run_dir>/lock. The server's shared memory and lock
  /// files: on this node only, never in the replicated folder.
  std::filesystem::path lock_dir() const { return run_dir / "lock"; }
  /// The folder FIREBIRD names: firebird.conf, databases.conf and plugins.conf; the run folder.
  std::filesystem::path conf_dir() const { return run_dir; }
};

/// Pure: the password in the text of a password file: the value of an ISC_PASSWORD= line
/// (Debian's SYSDBA.password, quotes taken off), else the first line that is neither empty
/// nor a # comment, without its surrounding spaces. "" when there is none.
std::string parse_password_file(std::string_view text);

/// Reads and checks the settings of `app`; invalid_argument naming the key, its value and what
/// was expected; not_found when the server program is not there. An unreadable password_file
/// is no error here (a stop needs no password): it is kept in password_problem for check.
Result<FirebirdSettings> read_settings(const AppContext& app);

/// Pure: the instance's firebird.conf: `extra` (the "config" file's text) first, then what
/// haven decides and so must win (Firebird takes a parameter's last value): ServerMode Super,
/// SecurityDatabase (this instance's logins, never Debian's /var/lib/firebird/3.0/system
/// database, which the default names), RemoteServicePort, RemoteBindAddress, the file system cache for every database (no
/// O_DIRECT: the replicated folder is a FUSE file system on the primary), and DatabaseAccess
/// restricted to the data folder (and the security database's folder when it is elsewhere):
/// a database outside the replicated folder would be lost at a takeover, and a client may
/// name a database by its file name alone.
std::string firebird_conf_text(const FirebirdSettings& s, std::string_view extra);

/// Pure: the instance's databases.conf: the alias security.db names `s.security_db`, closed
/// to remote attachments as Debian closes its own.
std::string databases_conf_text(const FirebirdSettings& s);

/// Pure: the server's command line: the program, then the data folder. Firebird ignores an
/// argument that is not an option; it is there so that /proc says which instance a process is
/// (server_identity.hpp), since the server changes its working directory to /tmp.
std::vector<std::string> server_command(const FirebirdSettings& s);

/// Pure: the variables the server (and an embedded tool run for the instance) needs:
/// FIREBIRD (its configuration folder), FIREBIRD_LOCK, and FIREBIRD_MSG when `msg_dir` is
/// not empty (the folder of firebird.msg, which FIREBIRD would otherwise move).
std::vector<std::string> server_environment(const FirebirdSettings& s, const std::filesystem::path& msg_dir);

/// Pure: the connection string check attaches with: inet://HOST:PORT/DATABASE (an IPv6 host
/// in brackets).
std::string connection_string(const FirebirdSettings& s);

/// The folder of Firebird's installed files on this node, where firebird.msg and intl/ are
/// (Debian: /usr/lib/<multiarch>/firebird/3.0), "" when none is found. FIREBIRD moves the
/// server's root to the run folder, so the instance is pointed back at them.
std::filesystem::path find_install_dir();

}  // namespace haven::firebird
