#include "firebird_client.hpp"

#include <ibase.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace haven::firebird {
namespace {

// libfbclient's text for a status vector, lines joined by "; ".
std::string status_text(const ISC_STATUS* status) {
  std::string out;
  const ISC_STATUS* cursor = status;
  char line[512];
  while (fb_interpret(line, sizeof line, &cursor) > 0) out += (out.empty() ? "" : "; ") + std::string(line);
  return out;
}

// The database parameter block: user, password, connect timeout (seconds).
std::vector<char> attach_parameters(const FirebirdSettings& s) {
  std::vector<char> dpb{static_cast<char>(isc_dpb_version1)};
  auto add_text = [&](char tag, const std::string& value) {
    dpb.push_back(tag);
    dpb.push_back(static_cast<char>(value.size() > 255 ? 255 : value.size()));
    dpb.insert(dpb.end(), value.begin(), value.begin() + static_cast<long>(value.size() > 255 ? 255 : value.size()));
  };
  add_text(isc_dpb_user_name, s.dbuser);
  if (!s.password.empty()) add_text(isc_dpb_password, s.password);
  const auto seconds = static_cast<ISC_LONG>(s.check_timeout.count());
  dpb.push_back(static_cast<char>(isc_dpb_connect_timeout));
  dpb.push_back(4);
  for (int i = 0; i < 4; ++i) dpb.push_back(static_cast<char>((seconds >> (8 * i)) & 0xff));
  return dpb;
}

// Cancels the attachment's running call once the deadline passes, unless told to stop first.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit) : thread_([this, limit] { run(limit); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// The attachment to cancel from now on (isc_attach_database has returned it).
  void watch(isc_db_handle db) {
    std::lock_guard lock(mutex_);
    db_ = db;
  }

  bool fired() {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  void run(std::chrono::seconds limit) {
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, limit, [this] { return done_; })) return;
    fired_ = true;
    ISC_STATUS_ARRAY status{};
    if (db_ != 0) fb_cancel_operation(status, &db_, fb_cancel_abort);
  }

  isc_db_handle db_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

// Whether the attached database has forced writes on (1), off (0), or unknown (-1).
int forced_writes_of(isc_db_handle& db) {
  ISC_STATUS_ARRAY status{};
  const char items[] = {isc_info_forced_writes, isc_info_end};
  char answer[32]{};
  if (isc_database_info(status, &db, sizeof items, items, sizeof answer, answer) != 0) return -1;
  if (answer[0] != isc_info_forced_writes) return -1;
  const short length = static_cast<short>(isc_vax_integer(answer + 1, 2));
  return isc_vax_integer(answer + 3, length) != 0 ? 1 : 0;
}

}  // namespace

ClientFailure classify_client_error(long code) {
  switch (code) {
    case isc_login:  // 335544472: no such user, or a wrong password
      return {true, Errc::refused};
    case isc_shutdown:       // 335544528: the database is shut down
    case isc_shutinprog:     // 335544506: a shutdown is under way
    case isc_att_shutdown:   // 335544856: the attachment was ended by a shutdown
    case isc_io_error:       // 335544344: the database file cannot be opened (missing, locked)
    case isc_io_open_err:    // 335544734
    case isc_bad_db_format:  // 335544323: not a database
    case isc_lock_timeout:   // 335544510
      return {false, Errc::refused};
    case isc_cancelled:  // 335544794: the watchdog cancelled the call
      return {false, Errc::timeout};
    default:  // isc_network_error (nothing listens), isc_net_read_err, isc_conn_lost, and anything else
      return {false, Errc::io_error};
  }
}

Status check_server(const FirebirdSettings& s, const AppContext& app) {
  const std::string url = connection_string(s);
  const std::string where = "Firebird at " + url;
  if (!s.password_problem.empty()) return fail(Errc::invalid_argument, "check of " + where + ": " + s.password_problem);
  const auto started = std::chrono::steady_clock::now();
  ISC_STATUS_ARRAY status{};
  isc_db_handle db = 0;
  isc_tr_handle tr = 0;
  std::string failure;
  long code = 0;
  ISC_LONG one = 0;
  bool watchdog_fired = false;
  int forced_writes = -1;
  {
    Watchdog watchdog(s.check_timeout);
    auto failed = [&](const char* step) {
      code = status[1];
      failure = std::string(step) + ": " + status_text(status) + " (gdscode " + std::to_string(code) + ")";
      return true;
    };
    const auto dpb = attach_parameters(s);
    bool bad = isc_attach_database(status, 0, url.c_str(), &db, static_cast<short>(dpb.size()), dpb.data()) != 0 &&
               failed("attach");
    if (!bad) {
      watchdog.watch(db);
      forced_writes = forced_writes_of(db);
    }
    static const char tpb[] = {isc_tpb_version3, isc_tpb_read, isc_tpb_read_committed, isc_tpb_rec_version,
                               isc_tpb_nowait};
    if (!bad)
      bad = isc_start_transaction(status, &tr, 1, &db, static_cast<unsigned short>(sizeof tpb), tpb) != 0 &&
            failed("start a transaction");
    if (!bad) {
      // One output column, an INTEGER.
      alignas(XSQLDA) char area[XSQLDA_LENGTH(1)]{};
      auto* out = reinterpret_cast<XSQLDA*>(area);
      out->version = SQLDA_VERSION1;
      out->sqln = 1;
      out->sqld = 1;
      short null_flag = 0;
      out->sqlvar[0].sqltype = SQL_LONG + 1;
      out->sqlvar[0].sqllen = sizeof one;
      out->sqlvar[0].sqldata = reinterpret_cast<ISC_SCHAR*>(&one);
      out->sqlvar[0].sqlind = &null_flag;
      bad = isc_dsql_exec_immed2(status, &db, &tr, 0, "SELECT 1 FROM RDB$DATABASE", SQL_DIALECT_V6, nullptr, out) != 0 &&
            failed("SELECT 1 FROM RDB$DATABASE");
    }
    ISC_STATUS_ARRAY ignored{};
    if (tr != 0) isc_rollback_transaction(ignored, &tr);
    watchdog_fired = watchdog.fired();
  }
  ISC_STATUS_ARRAY ignored{};
  if (db != 0) isc_detach_database(ignored, &db);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  if (failure.empty()) {
    if (one != 1) return fail(Errc::refused, where + ": SELECT 1 FROM RDB$DATABASE returned " + std::to_string(one));
    if (forced_writes == 0)
      app.say(LogLevel::warning, where + ": forced writes are off on " + s.database.string() +
                                     ", so a commit returns before its pages are written, and before the secondary "
                                     "has them: gfix -write sync " + s.database.string());
    return ok_status();
  }
  auto meaning = classify_client_error(code);
  if (watchdog_fired || elapsed >= s.check_timeout) meaning = {false, Errc::timeout};
  if (meaning.answered_login_refused) {
    app.say(LogLevel::warning, where + " answers but refused the login of " + s.dbuser + " (" + failure +
                                   "), so SELECT 1 did not run: set dbuser/password (or password_file) to an account "
                                   "of the security database");
    return ok_status();
  }
  if (meaning.code == Errc::refused)
    return fail(Errc::refused, where + " answers but cannot serve the database (" + failure + ")");
  if (meaning.code == Errc::timeout)
    return fail(Errc::timeout, where + " did not answer within " + std::to_string(s.check_timeout.count()) +
                                   " s (check_timeout): " + failure);
  return fail(Errc::io_error, where + " does not answer (" + failure + ")");
}

}  // namespace haven::firebird
