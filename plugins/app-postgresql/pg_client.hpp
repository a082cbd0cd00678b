// The health of a running server, asked through libpq as any client would ask it.
#pragma once

#include "haven/application.hpp"
#include "haven/result.hpp"
#include "postgresql_settings.hpp"

namespace haven::postgresql {

/// Connects to host:port (or the socket folder `host`) as dbuser on dbname and runs
/// SELECT 1, within check_timeout (connect_timeout and statement_timeout). ok when 1 comes
/// back. When the server answers but refuses the login (pg_hba.conf, password), it does serve
/// clients: ok, with a warning in `app`'s log saying SELECT 1 could not run and why. An error
/// otherwise: io_error when nothing answers, refused when it answers but cannot serve
/// (starting, shutting down, in recovery as a standby), timeout when the query did not end.
Status check_server(const PostgresSettings& settings, const AppContext& app);

}  // namespace haven::postgresql
