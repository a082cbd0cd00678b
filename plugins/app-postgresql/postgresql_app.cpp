#include "postgresql_app.hpp"

#include <signal.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "haven/application_support.hpp"

#include "data_folder.hpp"
#include "pg_client.hpp"
#include "postgresql_settings.hpp"
#include "postmaster_identity.hpp"
#include "postmaster_pid.hpp"
#include "system_user.hpp"

namespace haven::postgresql {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The postmaster of `data` on this node, verified: its pid, or why there is none (nullopt
// with `why` filled). A pid file naming anything else is only reported.
std::optional<pid_t> running_postmaster(HostContext& host, const fs::path& data, std::string& why) {
  auto file = read_postmaster_pid(data);
  if (!file) {
    why = file.error().message;
    return std::nullopt;
  }
  if (!file->has_value()) {
    why = "no " + (data / "postmaster.pid").string();
    return std::nullopt;
  }
  const pid_t pid = (*file)->pid;
  if (auto verified = verify_postmaster(host, pid, data); !verified) {
    why = (data / "postmaster.pid").string() + " names process " + std::to_string(pid) + ", but " +
          verified.error().message;
    return std::nullopt;
  }
  return pid;
}

// A PostgreSQL program run by the host as the database's user (PostgreSQL refuses root), without
// the caller's PG* variables, which would override the settings.
ProcessRequest as_postgres(std::vector<std::string> argv, const SystemUser& user, std::chrono::milliseconds timeout) {
  ProcessRequest request;
  request.argv = std::move(argv);
  request.user = user.name;
  request.timeout = timeout;
  request.drop_env_prefixes = {"PG"};
  return request;
}

Result<ProcessOutcome> pg_ctl(HostContext& host, const PostgresSettings& s, const SystemUser& user,
                              std::vector<std::string> args, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), (s.bin / "pg_ctl").string());
  return host.run_process(as_postgres(std::move(args), user, timeout));
}

Status stop_forced(HostContext& host, const PostgresSettings& s, const SystemUser& user, std::optional<pid_t> postmaster,
                   const AppContext& app) {
  if (postmaster) {
    app.say(LogLevel::info, "stop force: pg_ctl stop -m immediate (postmaster " + std::to_string(*postmaster) + ")");
    const auto wait = std::min<std::chrono::seconds>(s.stop_timeout, 10s);
    auto ran = pg_ctl(host, s, user, {"stop", "-D", s.data.string(), "-m", "immediate", "-w", "-t", std::to_string(wait.count())},
                      wait + 5s);
    if (ran && ran->exit_code != 0) app.say(LogLevel::warning, "stop force: pg_ctl stop -m immediate: " + trimmed(ran->output));
    // Still there: kill it, only if it is still this data directory's postmaster.
    if (process_alive(host, *postmaster) && verify_postmaster(host, *postmaster, s.data)) {
      app.say(LogLevel::info, "stop force: SIGKILL to the postmaster " + std::to_string(*postmaster));
      ::kill(*postmaster, SIGKILL);
      (void)wait_until_gone(host, {*postmaster}, 5s);
    }
  }
  // Server processes left by a killed postmaster end by themselves soon; do not wait for them.
  const auto left = processes_in_data_directory(host, s.data);
  if (!left.empty()) {
    std::string list;
    for (pid_t p : left) list += " " + std::to_string(p);
    app.say(LogLevel::info, "stop force: SIGKILL to the server processes working in " + s.data.string() + ":" + list);
    for (pid_t p : left) ::kill(p, SIGKILL);
    if (!wait_until_gone(host, left, 5s))
      return fail(Errc::timeout, "PostgreSQL processes of " + s.data.string() + " still exist 5 s after SIGKILL:" + list);
  }
  return ok_status();
}

}  // namespace

Status PostgresApplication::prepare(const AppContext& app) noexcept {
  return guarded(host_, "PostgreSQL", "prepare", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    return prepare_data_folder(*s, *user, app);
  });
}

Status PostgresApplication::start(const AppContext& app) noexcept {
  return guarded(host_, "PostgreSQL", "start", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    std::error_code ec;
    if (!fs::exists(s->data / "PG_VERSION", ec))
      return fail(Errc::not_found, "start: " + s->data.string() +
                                       " holds no PostgreSQL cluster (no PG_VERSION): create it with initdb, or fix the "
                                       "data setting");
    std::string why;
    if (auto pid = running_postmaster(host_, s->data, why)) {
      app.say(LogLevel::info, "start: PostgreSQL already runs on " + s->data.string() + " (postmaster " +
                                  std::to_string(*pid) + ")");
      return check_server(*s, app);
    }
    if (fs::exists(s->data / "postmaster.pid", ec)) {
      // A lock file that names no postmaster of this node: PostgreSQL would refuse to start
      // when its pid is some other process of the postgres user.
      app.say(LogLevel::info, "start: removing a stale lock file: " + why);
      fs::remove(s->data / "postmaster.pid", ec);
      if (ec) return fail(Errc::io_error, "start: cannot remove the stale " + (s->data / "postmaster.pid").string() + ": " + ec.message());
    }
    if (auto st = prepare_run_files(*s, *user); !st) return st;
    std::string options = "-p " + std::to_string(s->port) + " -c listen_addresses=" + single_quoted(s->listen) +
                          " -c unix_socket_directories=" + single_quoted(s->socket_dir.string());
    if (!s->options.empty()) options += " " + s->options;
    app.say(LogLevel::info, "start: pg_ctl start -D " + s->data.string() + " (PostgreSQL " + s->version + ", port " +
                                std::to_string(s->port) + ", log " + s->log.string() + ")");
    // The log is opened here, as root, and inherited by pg_ctl and the server: its folder
    // (the module's var folder) need not be open to the server's user.
    auto request = as_postgres({(s->bin / "pg_ctl").string(), "start", "-D", s->data.string(), "-w", "-t",
                                std::to_string(s->start_timeout.count()), "-o", options},
                               *user, s->start_timeout + 15s);
    request.output_file = s->log;
    auto ran = host_.run_process(request);
    if (!ran) return std::move(ran).error();
    if (ran->exit_code != 0)
      return fail(ran->timed_out ? Errc::timeout : Errc::io_error,
                  "start: pg_ctl start on " + s->data.string() + " failed (exit code " + std::to_string(ran->exit_code) +
                      "); the server's log " + s->log.string() + " ends with:" + tail_of(s->log, 15));
    return check_server(*s, app);
  });
}

Status PostgresApplication::stop(const AppContext& app, StopMode mode) noexcept {
  return guarded(host_, "PostgreSQL", "stop", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    std::string why;
    const auto postmaster = running_postmaster(host_, s->data, why);
    if (!postmaster) app.say(LogLevel::info, "stop: PostgreSQL does not run on this node: " + why + "; nothing signalled");
    if (mode == StopMode::forced) return stop_forced(host_, *s, *user, postmaster, app);
    if (!postmaster) return ok_status();
    app.say(LogLevel::info, "stop: pg_ctl stop -m fast (postmaster " + std::to_string(*postmaster) + ")");
    auto ran = pg_ctl(host_, *s, *user,
                      {"stop", "-D", s->data.string(), "-m", "fast", "-w", "-t", std::to_string(s->stop_timeout.count())},
                      s->stop_timeout + 10s);
    if (!ran) return std::move(ran).error();
    if (ran->exit_code != 0)
      return fail(ran->timed_out ? Errc::timeout : Errc::io_error,
                  "stop: pg_ctl stop -m fast on " + s->data.string() + " failed (exit code " +
                      std::to_string(ran->exit_code) + "): " + trimmed(ran->output) +
                      "; the forced stop (stop_prim force) ends it");
    return ok_status();
  });
}

Status PostgresApplication::check(const AppContext& app) noexcept {
  return guarded(host_, "PostgreSQL", "check", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    return check_server(*s, app);
  });
}

}  // namespace haven::postgresql
