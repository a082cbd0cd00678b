#include "pg_client.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace haven::postgresql {
namespace {

struct ConnectionCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};

std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (auto& c : text)
    if (c == '\n') c = ' ';
  return text;
}

}  // namespace

Status check_server(const PostgresSettings& s, const AppContext& app) {
  const std::string port = std::to_string(s.port);
  // libpq waits at least 2 s for a connection, whatever is asked.
  const std::string connect_timeout = std::to_string(std::max<long long>(2, s.check_timeout.count()));
  const std::string options = "-c statement_timeout=" + std::to_string(s.check_timeout.count() * 1000);
  std::vector<const char*> keys{"host", "port", "user", "dbname", "connect_timeout", "options", "application_name"};
  std::vector<const char*> values{s.host.c_str(), port.c_str(), s.dbuser.c_str(), s.dbname.c_str(),
                                  connect_timeout.c_str(), options.c_str(), "haven-check"};
  if (!s.password.empty()) {
    keys.push_back("password");
    values.push_back(s.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  const std::string where = "PostgreSQL on " + s.host + ":" + port + " (data " + s.data.string() + ")";

  std::unique_ptr<PGconn, ConnectionCloser> conn(PQconnectdbParams(keys.data(), values.data(), 0));
  if (!conn) return fail(Errc::internal, where + ": libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    const std::string why = one_line(PQerrorMessage(conn.get()));
    switch (PQpingParams(keys.data(), values.data(), 0)) {
      case PQPING_OK:
        app.say(LogLevel::warning, where + " answers but refused the login of role " + s.dbuser + " (" + why +
                                       "), so SELECT 1 did not run: allow it in pg_hba.conf or set dbuser/password");
        return ok_status();
      case PQPING_REJECT:
        return fail(Errc::refused, where + " answers but does not accept connections (starting up, shutting down "
                                           "or in crash recovery): " + why);
      case PQPING_NO_ATTEMPT:
        return fail(Errc::invalid_argument, where + ": libpq made no attempt with these settings: " + why);
      case PQPING_NO_RESPONSE:
      default:
        return fail(Errc::io_error, where + " does not answer: " + why);
    }
  }
  std::unique_ptr<PGresult, ResultClearer> result(PQexec(conn.get(), "SELECT 1"));
  if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    const std::string why = one_line(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn.get()));
    const bool timed_out = why.find("statement timeout") != std::string::npos;
    return fail(timed_out ? Errc::timeout : Errc::refused, where + ": SELECT 1 failed: " + why);
  }
  if (PQntuples(result.get()) != 1 || std::string(PQgetvalue(result.get(), 0, 0)) != "1")
    return fail(Errc::refused, where + ": SELECT 1 returned something other than 1");
  return ok_status();
}

}  // namespace haven::postgresql
