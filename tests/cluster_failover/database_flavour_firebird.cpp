// Firebird 3 for the database pair: Debian's firebird3.0-server programs run as haven's own
// instance by the shipped firebird module; node1's folder gets a security database (SYSDBA
// with the test's password, written beside each node's folder for the module's
// FIREBIRD_PASSWORD_FILE) and the database hvtest.fdb, made embedded with isql-fb under the
// instance configuration the plugin itself writes; libfbclient through the VIP, naming the
// database by its file name (the plugin restricts DatabaseAccess to the data folder, where a
// bare name is looked up).
#include <sys/stat.h>
#include <unistd.h>

#include <ibase.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/process_runner.hpp"
#include "database_flavour.hpp"
#include "firebird_settings.hpp"
#include "instance_files.hpp"
#include "server_launch.hpp"

namespace haven::netns_failover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kDatabase = "hvtest.fdb";
constexpr const char* kPassword = "hvpair17";
constexpr int kPort = 3050;

// libfbclient's text for a status vector, lines joined by "; ".
std::string status_text(const ISC_STATUS* status) {
  std::string out;
  const ISC_STATUS* cursor = status;
  char line[512];
  while (fb_interpret(line, sizeof line, &cursor) > 0) out += (out.empty() ? "" : "; ") + std::string(line);
  return out;
}

// Closes the client side of an attachment when a call on it outlasts its limit
// (fb_cancel_abort), so that a statement to a killed node fails instead of waiting for TCP.
class CallDeadline {
 public:
  CallDeadline(isc_db_handle db, std::chrono::seconds limit) : db_(db), thread_([this, limit] { run(limit); }) {}
  ~CallDeadline() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  CallDeadline(const CallDeadline&) = delete;
  CallDeadline& operator=(const CallDeadline&) = delete;

 private:
  void run(std::chrono::seconds limit) {
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, limit, [this] { return done_; })) return;
    ISC_STATUS_ARRAY status{};
    fb_cancel_operation(status, &db_, fb_cancel_abort);
  }

  isc_db_handle db_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

class FirebirdClient final : public DatabaseClient {
 public:
  explicit FirebirdClient(isc_db_handle db) : db_(db) {}
  ~FirebirdClient() override {
    ISC_STATUS_ARRAY status{};
    if (db_ != 0) isc_detach_database(status, &db_);
  }
  FirebirdClient(const FirebirdClient&) = delete;
  FirebirdClient& operator=(const FirebirdClient&) = delete;

  // One transaction per statement, committed before this returns; the first column of each
  // row as text (the engine converts it).
  Result<std::vector<std::string>> execute(const std::string& sql) override {
    CallDeadline deadline(db_, 10s);
    ISC_STATUS_ARRAY status{};
    isc_tr_handle tr = 0;
    isc_stmt_handle stmt = 0;
    auto failed = [&](const char* step) -> Result<std::vector<std::string>> {
      auto error = fail(Errc::io_error, sql + ": " + step + ": " + status_text(status));
      ISC_STATUS_ARRAY ignored{};
      if (stmt != 0) isc_dsql_free_statement(ignored, &stmt, DSQL_drop);
      if (tr != 0) isc_rollback_transaction(ignored, &tr);
      return error;
    };
    static const char tpb[] = {isc_tpb_version3, isc_tpb_write, isc_tpb_read_committed, isc_tpb_rec_version,
                               isc_tpb_nowait};
    if (isc_start_transaction(status, &tr, 1, &db_, static_cast<unsigned short>(sizeof tpb), tpb) != 0)
      return failed("start transaction");
    if (isc_dsql_allocate_statement(status, &db_, &stmt) != 0) return failed("allocate");
    alignas(XSQLDA) char area[XSQLDA_LENGTH(1)]{};
    auto* out = reinterpret_cast<XSQLDA*>(area);
    out->version = SQLDA_VERSION1;
    out->sqln = 1;
    if (isc_dsql_prepare(status, &tr, &stmt, 0, sql.c_str(), SQL_DIALECT_V6, out) != 0) return failed("prepare");
    struct {
      short length;
      char text[126];
    } value{};
    short null_flag = 0;
    if (out->sqld > 0) {
      out->sqlvar[0].sqltype = SQL_VARYING + 1;
      out->sqlvar[0].sqllen = sizeof value.text;
      out->sqlvar[0].sqlscale = 0;
      out->sqlvar[0].sqlsubtype = 0;
      out->sqlvar[0].sqldata = reinterpret_cast<ISC_SCHAR*>(&value);
      out->sqlvar[0].sqlind = &null_flag;
    }
    if (isc_dsql_execute(status, &tr, &stmt, SQL_DIALECT_V6, nullptr) != 0) return failed("execute");
    std::vector<std::string> rows;
    if (out->sqld > 0) {
      ISC_STATUS fetched = 0;
      while ((fetched = isc_dsql_fetch(status, &stmt, SQL_DIALECT_V6, out)) == 0)
        rows.emplace_back(null_flag < 0 ? std::string() : std::string(value.text, static_cast<std::size_t>(value.length)));
      if (fetched != 100) return failed("fetch");
    }
    if (isc_dsql_free_statement(status, &stmt, DSQL_drop) != 0) return failed("free");
    stmt = 0;
    if (isc_commit_transaction(status, &tr) != 0) return failed("commit");
    return rows;
  }

 private:
  isc_db_handle db_;
};

// isql-fb run embedded (no server) as firebird with the instance configuration of `run_dir`.
Status isql_embedded(const fs::path& run_dir, const fs::path& database, const std::string& sql) {
  const auto input = run_dir / "input.sql";
  std::ofstream(input) << sql << "\n";
  ::chmod(input.c_str(), 0644);
  std::vector<std::string> argv{"/usr/bin/isql-fb", "-q", "-user", "SYSDBA", "-i", input.string()};
  if (!database.empty()) argv.push_back(database.string());
  auto request = process_request(std::move(argv), std::string("firebird"), 120s);
  request.drop_env_prefixes = {"ISC_", "FIREBIRD"};
  request.env = {"FIREBIRD=" + run_dir.string(), "FIREBIRD_LOCK=" + (run_dir / "lock").string()};
  if (auto msg = firebird::find_install_dir(); !msg.empty()) request.env.push_back("FIREBIRD_MSG=" + msg.string());
  auto ran = run_process(request);
  if (!ran) return std::move(ran).error();
  if (ran->exit_code != 0)
    return fail(Errc::internal, "isql-fb (" + sql + ") failed: exit code " + std::to_string(ran->exit_code) + ": " +
                                    ran->output);
  return ok_status();
}

Status write_password_file(const fs::path& node_folder) {
  const auto file = node_folder / "sysdba.password";
  std::ofstream(file) << "ISC_PASSWORD=" << kPassword << "\n";
  if (::chmod(file.c_str(), 0600) != 0) return fail(Errc::io_error, "cannot write " + file.string());
  return ok_status();
}

Status make_owned_folder(const fs::path& data) {
  auto user = firebird::find_user("firebird");
  if (!user) return std::move(user).error();
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec || ::chown(data.c_str(), user->uid, user->gid) != 0 || ::chmod(data.c_str(), 0770) != 0)
    return fail(Errc::io_error, "cannot make " + data.string() + " owned by firebird, mode 0770");
  return ok_status();
}

class FirebirdFlavour final : public DatabaseFlavour {
 public:
  FirebirdFlavour()
      : DatabaseFlavour({.name = "Firebird",
                         .module = "firebird",
                         .tag = "fb",
                         .rounds_variable = "HAVEN_FIREBIRD_ROUNDS",
                         .keep_logs_variable = "HAVEN_FIREBIRD_KEEP_LOGS",
                         .data_marker = "security3.fdb",
                         .server_log = "firebird.log",
                         // prestart found the killed server's pid file (outside the replicated folder)
                         .stale_pid_note = "firebird.pid names process",
                         .account = {.user = "SYSDBA", .database = kDatabase, .port = kPort},
                         .create_table_sql = "CREATE TABLE acked_rows (n BIGINT NOT NULL PRIMARY KEY)"}) {}

  std::string unavailable() const override {
    if (!firebird::find_user("firebird") || ::access("/usr/sbin/firebird", X_OK) != 0 ||
        ::access("/usr/bin/isql-fb", X_OK) != 0)
      return "Debian's firebird3.0-server is not installed (apt-get install firebird3.0-server)";
    return {};
  }

  Result<std::map<std::string, std::string>> macros(const fs::path& shared) const override {
    return std::map<std::string, std::string>{{"FIREBIRD_DATA", (shared / "data").string()},
                                              {"FIREBIRD_RUN_DIR", (shared / "run").string()},
                                              {"FIREBIRD_PASSWORD_FILE", (shared / "sysdba.password").string()},
                                              {"FIREBIRD_DATABASE", kDatabase}};
  }

  // The instance configuration the plugin writes (in a scratch run folder beside the data),
  // then, embedded: the security database, SYSDBA's password, the database.
  Status make_initial_data(const fs::path& data) const override {
    if (auto st = make_owned_folder(data); !st) return st;
    if (auto st = write_password_file(data.parent_path()); !st) return st;
    const auto run_dir = data.parent_path() / "init-run";
    AppContext context;
    context.settings = {{"data", data.string()}, {"run_dir", run_dir.string()},
                        {"log", (data.parent_path() / "init.log").string()}};
    auto s = firebird::read_settings(context);
    if (!s) return std::move(s).error();
    auto user = firebird::find_user("firebird");
    if (!user) return std::move(user).error();
    if (auto st = firebird::write_instance_files(*s, *user); !st) return st;
    const auto security = data / "security3.fdb";
    Status made = isql_embedded(run_dir, {}, "create database '" + security.string() + "';");
    if (made) made = isql_embedded(run_dir, security, std::string("create or alter user SYSDBA password '") + kPassword + "';");
    if (made) made = isql_embedded(run_dir, {}, "create database '" + (data / kDatabase).string() + "';");
    std::error_code ec;
    fs::remove_all(run_dir, ec);
    return made;
  }

  Status make_empty_data(const fs::path& data) const override {
    if (auto st = make_owned_folder(data); !st) return st;
    return write_password_file(data.parent_path());
  }

  // Attach within 2 s; each statement is given 10 s (CallDeadline).
  Result<std::unique_ptr<DatabaseClient>> connect(const std::string& host) const override {
    const std::string url = "inet://" + host + ":" + std::to_string(kPort) + "/" + kDatabase;
    std::vector<char> dpb{static_cast<char>(isc_dpb_version1)};
    auto add_text = [&](char tag, const std::string& value) {
      dpb.push_back(tag);
      dpb.push_back(static_cast<char>(value.size()));
      dpb.insert(dpb.end(), value.begin(), value.end());
    };
    add_text(isc_dpb_user_name, "SYSDBA");
    add_text(isc_dpb_password, kPassword);
    dpb.push_back(static_cast<char>(isc_dpb_connect_timeout));
    dpb.push_back(4);
    const ISC_LONG seconds = 2;
    for (int i = 0; i < 4; ++i) dpb.push_back(static_cast<char>((seconds >> (8 * i)) & 0xff));
    ISC_STATUS_ARRAY status{};
    isc_db_handle db = 0;
    if (isc_attach_database(status, 0, url.c_str(), &db, static_cast<short>(dpb.size()), dpb.data()) != 0)
      return fail(Errc::io_error, "attach to Firebird at " + url + " as SYSDBA: " + status_text(status));
    return std::unique_ptr<DatabaseClient>(std::make_unique<FirebirdClient>(db));
  }
};

}  // namespace

const DatabaseFlavour& linked_database_flavour() {
  static const FirebirdFlavour flavour;
  return flavour;
}

}  // namespace haven::netns_failover
