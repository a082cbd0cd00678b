#include "mysql_client.hpp"

#include <mysql.h>

#include <memory>
#include <string>

namespace haven::mysql {
namespace {

struct ConnectionCloser {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
struct ResultFreer {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};

}  // namespace

ClientFailure classify_client_error(unsigned error) {
  switch (error) {
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR (unix_socket or no password)
    case 1130:  // ER_HOST_NOT_PRIVILEGED: no account for the client's host (root@localhost only)
      return {true, Errc::refused};
    case 1040:  // ER_CON_COUNT_ERROR: too many connections
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1129:  // ER_HOST_IS_BLOCKED
    case 1203:  // ER_TOO_MANY_USER_CONNECTIONS
    case 1927:  // ER_CONNECTION_KILLED
      return {false, Errc::refused};
    case 2013:  // CR_SERVER_LOST: no answer within the read timeout
      return {false, Errc::timeout};
    default:  // 2002 (socket), 2003 (TCP), 2005 (host), 2006 (gone) and anything else
      return {false, Errc::io_error};
  }
}

Status check_server(const MysqlSettings& s, const AppContext& app) {
  const bool socket = s.check_over_socket();
  const std::string where = "MariaDB on " + (socket ? s.host : s.host + ":" + std::to_string(s.port)) +
                            " (datadir " + s.data.string() + ")";
  std::unique_ptr<MYSQL, ConnectionCloser> conn(mysql_init(nullptr));
  if (!conn) return fail(Errc::internal, where + ": Connector/C could not allocate a connection");
  const unsigned timeout = static_cast<unsigned>(s.check_timeout.count());
  mysql_optionsv(conn.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(conn.get(), MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_optionsv(conn.get(), MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  unsigned protocol = socket ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
  mysql_optionsv(conn.get(), MYSQL_OPT_PROTOCOL, &protocol);
  const char* password = s.password.empty() ? nullptr : s.password.c_str();
  MYSQL* made = socket ? mysql_real_connect(conn.get(), "localhost", s.dbuser.c_str(), password, nullptr, 0,
                                            s.host.c_str(), 0)
                       : mysql_real_connect(conn.get(), s.host.c_str(), s.dbuser.c_str(), password, nullptr,
                                            static_cast<unsigned>(s.port), nullptr, 0);
  if (made == nullptr) {
    const unsigned error = mysql_errno(conn.get());
    const std::string why = "error " + std::to_string(error) + ": " + mysql_error(conn.get());
    const auto failure = classify_client_error(error);
    if (failure.answered_login_refused) {
      app.say(LogLevel::warning, where + " answers but refused the login of " + s.dbuser + " (" + why +
                                     "), so SELECT 1 did not run: set dbuser/password to an account it accepts");
      return ok_status();
    }
    if (failure.code == Errc::refused)
      return fail(Errc::refused, where + " answers but does not accept connections (" + why + ")");
    if (failure.code == Errc::timeout) return fail(Errc::timeout, where + " did not answer in time (" + why + ")");
    return fail(Errc::io_error, where + " does not answer (" + why + ")");
  }
  if (mysql_query(conn.get(), "SELECT 1") != 0) {
    const unsigned error = mysql_errno(conn.get());
    return fail(classify_client_error(error).code,
                where + ": SELECT 1 failed: error " + std::to_string(error) + ": " + mysql_error(conn.get()));
  }
  std::unique_ptr<MYSQL_RES, ResultFreer> result(mysql_store_result(conn.get()));
  MYSQL_ROW row = result ? mysql_fetch_row(result.get()) : nullptr;
  if (row == nullptr || row[0] == nullptr || std::string(row[0]) != "1")
    return fail(Errc::refused, where + ": SELECT 1 returned something other than 1");
  return ok_status();
}

}  // namespace haven::mysql
