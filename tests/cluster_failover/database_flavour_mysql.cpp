// MariaDB for the database pair: Debian's mariadb-server, a datadir made by mariadb-install-db
// with a client account (hvclient, no password, any host) and database hvtest, Connector/C
// through the VIP. The module is the shipped mysql one.
#include <sys/stat.h>
#include <unistd.h>

#include <mysql.h>

#include <fstream>

#include "common/process_runner.hpp"
#include "database_flavour.hpp"
#include "mysql_settings.hpp"
#include "server_launch.hpp"

namespace haven::netns_failover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kClientUser = "hvclient";
constexpr const char* kDatabase = "hvtest";

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

class MysqlClient final : public DatabaseClient {
 public:
  explicit MysqlClient(MYSQL* conn) : conn_(conn) {}
  ~MysqlClient() override { mysql_close(conn_); }
  MysqlClient(const MysqlClient&) = delete;
  MysqlClient& operator=(const MysqlClient&) = delete;

  // autocommit: each statement is its own transaction, acknowledged when mysql_query returns 0.
  Result<std::vector<std::string>> execute(const std::string& sql) override {
    if (mysql_query(conn_, sql.c_str()) != 0) return fail(Errc::io_error, sql + ": " + mysql_error(conn_));
    std::vector<std::string> rows;
    if (MYSQL_RES* r = mysql_store_result(conn_)) {
      while (MYSQL_ROW row = mysql_fetch_row(r)) rows.emplace_back(row[0] ? row[0] : "");
      mysql_free_result(r);
    }
    return rows;
  }

 private:
  MYSQL* conn_;
};

// A MariaDB tool run to its end within 180 s, without the caller's MYSQL* variables (MYSQL_HOME,
// MYSQL_PWD would change what it reads): its exit code, its output in `output`.
Result<int> run_mariadb_tool(std::vector<std::string> argv, std::string& output) {
  auto request = process_request(std::move(argv), std::nullopt, 180s);
  request.drop_env_prefixes.push_back("MYSQL");
  auto ran = run_process(request);
  if (!ran) return std::move(ran).error();
  output = std::move(ran->output);
  return ran->exit_code;
}

class MysqlFlavour final : public DatabaseFlavour {
 public:
  MysqlFlavour()
      : DatabaseFlavour({.name = "MariaDB",
                         .module = "mysql",
                         .tag = "my",
                         .rounds_variable = "HAVEN_MYSQL_ROUNDS",
                         .keep_logs_variable = "HAVEN_MYSQL_KEEP_LOGS",
                         .data_marker = "ibdata1",
                         .server_log = "mysql.err",
                         // prestart found the killed server's pid file (outside the replicated folder)
                         .stale_pid_note = "haven-3306.pid names process",
                         .account = {.user = kClientUser, .database = kDatabase, .port = 3306},
                         .create_table_sql = "CREATE TABLE acked_rows (n BIGINT PRIMARY KEY) ENGINE=InnoDB"}) {}

  std::string unavailable() const override {
    if (!mysql::find_user("mysql") || ::access("/usr/bin/mariadb-install-db", X_OK) != 0 ||
        !mysql::choose_server(mysql::server_candidates(), file_exists))
      return "Debian's mariadb-server is not installed (apt-get install mariadb-server)";
    return {};
  }

  Result<std::map<std::string, std::string>> macros(const fs::path& shared) const override {
    return std::map<std::string, std::string>{{"MYSQL_DATA", (shared / "data").string()},
                                              {"MYSQL_RUN_DIR", (shared / "run").string()}};
  }

  // mariadb-install-db, then the client account and database through the server's bootstrap
  // mode (one statement a line; FLUSH PRIVILEGES loads the grant tables it starts without).
  Status make_initial_data(const fs::path& data) const override {
    std::string output;
    auto ran = run_mariadb_tool({"/usr/bin/mariadb-install-db", "--no-defaults", "--user=mysql",
                                 "--datadir=" + data.string(), "--auth-root-authentication-method=socket",
                                 "--skip-test-db", "--skip-name-resolve"},
                                output);
    if (!ran || *ran != 0)
      return fail(Errc::internal, "mariadb-install-db of " + data.string() + " failed: " +
                                      (ran ? "exit code " + std::to_string(*ran) + ": " + output : ran.error().message));
    const auto sql = data.parent_path() / "bootstrap.sql";
    std::ofstream(sql) << "FLUSH PRIVILEGES;\n"
                       << "CREATE USER '" << kClientUser << "'@'%';\n"
                       << "GRANT ALL ON *.* TO '" << kClientUser << "'@'%';\n"
                       << "CREATE DATABASE " << kDatabase << ";\n";
    auto server = mysql::choose_server(mysql::server_candidates(), file_exists);
    if (!server) return std::move(server).error();
    output.clear();
    auto boot = run_mariadb_tool({"/bin/sh", "-c",
                                  "exec \"$0\" --no-defaults --bootstrap --user=mysql --datadir=\"$1\" "
                                  "--skip-networking --log-warnings=0 < \"$2\"",
                                  server->string(), data.string(), sql.string()},
                                 output);
    std::error_code ec;
    fs::remove(sql, ec);
    if (!boot || *boot != 0)
      return fail(Errc::internal, "mariadbd --bootstrap on " + data.string() + " failed: " +
                                      (boot ? "exit code " + std::to_string(*boot) + ": " + output : boot.error().message));
    return ok_status();
  }

  Status make_empty_data(const fs::path& data) const override {
    auto mysql_user = mysql::find_user("mysql");
    if (!mysql_user) return std::move(mysql_user).error();
    std::error_code ec;
    fs::create_directories(data, ec);
    if (ec || ::chown(data.c_str(), mysql_user->uid, mysql_user->gid) != 0 || ::chmod(data.c_str(), 0750) != 0)
      return fail(Errc::io_error, "cannot make " + data.string() + " owned by mysql, mode 0750");
    return ok_status();
  }

  // Connect within 2 s; no read or write waits longer than 10 s.
  Result<std::unique_ptr<DatabaseClient>> connect(const std::string& host) const override {
    MYSQL* conn = mysql_init(nullptr);
    if (conn == nullptr) return fail(Errc::internal, "mysql_init: out of memory");
    const unsigned connect_timeout = 2, io_timeout = 10;
    mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_optionsv(conn, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_optionsv(conn, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    if (mysql_real_connect(conn, host.c_str(), kClientUser, nullptr, kDatabase, 3306, nullptr, 0) == nullptr) {
      auto error = fail(Errc::io_error, "connect to MariaDB on " + host + ":3306 as " + kClientUser + ": " + mysql_error(conn));
      mysql_close(conn);
      return error;
    }
    return std::unique_ptr<DatabaseClient>(std::make_unique<MysqlClient>(conn));
  }
};

}  // namespace

const DatabaseFlavour& linked_database_flavour() {
  static const MysqlFlavour flavour;
  return flavour;
}

}  // namespace haven::netns_failover
