// The health of a running server, asked through libfbclient (the ISC API) as any client would:
// attach over TCP within a timeout and run a trivial query.
#pragma once

#include "firebird_settings.hpp"
#include "haven/application.hpp"
#include "haven/result.hpp"

namespace haven::firebird {

/// What a failed call's status (its first error code, a gdscode) means for check: whether the
/// server answered but refused the login (it serves clients then), and the Errc otherwise.
struct ClientFailure {
  bool answered_login_refused = false;  ///< isc_login: no such user, or a wrong password
  Errc code = Errc::io_error;           ///< io_error: nothing answers; refused: answers, cannot serve; timeout
};

/// Pure: the meaning of the gdscode `code` (335544472 isc_login, 335544528 isc_shutdown, ...).
ClientFailure classify_client_error(long code);

/// Attaches to connection_string(settings) as dbuser/password with isc_dpb_connect_timeout of
/// check_timeout, and runs SELECT 1 FROM RDB$DATABASE in a read-only transaction; a watchdog
/// ends the attachment (fb_cancel_operation) when the whole check passes
/// check_timeout (fb_cancel_abort: the client side of the connection is closed, which also
/// ends a wait on a server that is stopped or gone). ok when 1 comes back. A server that answers but refuses the login serves
/// clients: ok, with a warning in `app`'s log saying the query could not run and why.
/// Otherwise an error whose code follows classify_client_error, naming the server (address,
/// database) and libfbclient's message.
Status check_server(const FirebirdSettings& settings, const AppContext& app);

}  // namespace haven::firebird
