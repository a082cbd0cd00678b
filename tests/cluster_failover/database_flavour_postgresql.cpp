// PostgreSQL for the database pair: Debian's postgresql, a cluster made by initdb whose
// clients on lan1 log in as postgres without a password, libpq through the VIP.
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <fstream>

#include "common/process_runner.hpp"
#include "database_flavour.hpp"
#include "postgresql_settings.hpp"
#include "system_user.hpp"

namespace haven::netns_failover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PostgresClient final : public DatabaseClient {
 public:
  explicit PostgresClient(PGconn* conn) : conn_(conn) {}
  ~PostgresClient() override { PQfinish(conn_); }
  PostgresClient(const PostgresClient&) = delete;
  PostgresClient& operator=(const PostgresClient&) = delete;

  Result<std::vector<std::string>> execute(const std::string& sql) override {
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(r);
    Result<std::vector<std::string>> result = std::vector<std::string>{};
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      result = fail(Errc::io_error, sql + ": " + PQresultErrorMessage(r));
    } else {
      for (int i = 0; i < PQntuples(r); ++i) result->emplace_back(PQgetvalue(r, i, 0));
    }
    PQclear(r);
    return result;
  }

 private:
  PGconn* conn_;
};

class PostgresFlavour final : public DatabaseFlavour {
 public:
  PostgresFlavour()
      : DatabaseFlavour({.name = "PostgreSQL",
                         .module = "postgresql",
                         .tag = "pg",
                         .rounds_variable = "HAVEN_PG_ROUNDS",
                         .keep_logs_variable = "HAVEN_PG_KEEP_LOGS",
                         .data_marker = "PG_VERSION",
                         .server_log = "postgresql.log",
                         // the crash clean-up and prestart found the killed postmaster's postmaster.pid
                         .stale_pid_note = "postmaster.pid names process",
                         .account = {.user = "postgres", .database = "postgres", .port = 5432},
                         .create_table_sql = "CREATE TABLE acked_rows (n bigint PRIMARY KEY)"}) {}

  std::string unavailable() const override {
    if (!postgresql::find_user("postgres") || postgresql::installed_versions().empty())
      return "Debian's postgresql is not installed (apt-get install postgresql)";
    return {};
  }

  Result<std::map<std::string, std::string>> macros(const fs::path& shared) const override {
    auto version = newest_version();
    if (!version) return std::move(version).error();
    return std::map<std::string, std::string>{{"PG_VERSION", *version},
                                              {"PG_DATA", (shared / "data").string()},
                                              {"PG_SOCKET_DIR", (shared / "run").string()}};
  }

  Status make_initial_data(const fs::path& data) const override {
    auto postgres = postgresql::find_user("postgres");
    if (!postgres) return std::move(postgres).error();
    auto version = newest_version();
    if (!version) return std::move(version).error();
    if (::chown(data.parent_path().c_str(), postgres->uid, postgres->gid) != 0)
      return fail(Errc::io_error, "cannot give " + data.parent_path().string() + " to postgres");
    auto initdb = run_process(process_request({"/usr/lib/postgresql/" + *version + "/bin/initdb", "-D", data.string(),
                                               "--auth=trust", "-U", "postgres", "-E", "UTF8"},
                                              postgres->name, 120s));
    if (!initdb) return std::move(initdb).error();
    if (initdb->exit_code != 0) return fail(Errc::internal, "initdb of " + data.string() + " failed: " + initdb->output);
    std::ofstream(data / "pg_hba.conf", std::ios::app) << "host all all 198.51.100.0/24 trust\n";
    return ok_status();
  }

  Status make_empty_data(const fs::path& data) const override {
    auto postgres = postgresql::find_user("postgres");
    if (!postgres) return std::move(postgres).error();
    std::error_code ec;
    fs::create_directories(data, ec);
    if (ec || ::chown(data.c_str(), postgres->uid, postgres->gid) != 0 || ::chmod(data.c_str(), 0700) != 0)
      return fail(Errc::io_error, "cannot make " + data.string() + " owned by postgres, mode 0700");
    return ok_status();
  }

  // connect_timeout bounds connecting; keepalives and tcp_user_timeout make a connection to a
  // killed node fail in seconds; statement_timeout bounds every statement.
  Result<std::unique_ptr<DatabaseClient>> connect(const std::string& host) const override {
    const std::string conninfo =
        "host=" + host + " port=5432 user=postgres dbname=postgres connect_timeout=2 keepalives=1 "
        "keepalives_idle=1 keepalives_interval=1 keepalives_count=2 tcp_user_timeout=4000 application_name=hvpgtest "
        "options='-c statement_timeout=30000'";
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      auto error = fail(Errc::io_error, "connect to PostgreSQL on " + host + ":5432: " + PQerrorMessage(conn));
      PQfinish(conn);
      return error;
    }
    return std::unique_ptr<DatabaseClient>(std::make_unique<PostgresClient>(conn));
  }

 private:
  static Result<std::string> newest_version() {
    const auto versions = postgresql::installed_versions();
    if (versions.empty()) return fail(Errc::not_found, "no PostgreSQL under /usr/lib/postgresql");
    return versions.front();
  }
};

}  // namespace

const DatabaseFlavour& linked_database_flavour() {
  static const PostgresFlavour flavour;
  return flavour;
}

}  // namespace haven::netns_failover
