// The health of a running server, asked through MariaDB Connector/C as any client would ask it.
#pragma once

#include "haven/application.hpp"
#include "haven/result.hpp"
#include "mysql_settings.hpp"

namespace haven::mysql {

/// What a failed connection's error number (mysql_errno) means for check: whether the server
/// answered but refused the login (it serves clients then), and the Errc otherwise.
struct ClientFailure {
  bool answered_login_refused = false;  ///< 1044, 1045, 1698: access denied; 1130: no account for this host
  Errc code = Errc::io_error;           ///< io_error: nothing answers; refused: answers, cannot serve; timeout
};

/// Pure: the meaning of Connector/C error number `error`.
ClientFailure classify_client_error(unsigned error);

/// Connects over the unix socket (when `host` is a path) or to host:port as dbuser, within
/// check_timeout (connect, read and write timeouts), and runs SELECT 1. ok when 1 comes back.
/// A server that answers but refuses the login serves clients: ok, with a warning in `app`'s
/// log saying SELECT 1 could not run and why. Otherwise an error whose code follows
/// classify_client_error, naming the server (address, datadir) and Connector/C's message.
Status check_server(const MysqlSettings& settings, const AppContext& app);

}  // namespace haven::mysql
