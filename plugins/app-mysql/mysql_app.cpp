#include "mysql_app.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "haven/application_support.hpp"

#include "data_folder.hpp"
#include "mysql_client.hpp"
#include "mysql_settings.hpp"
#include "server_identity.hpp"
#include "server_launch.hpp"
#include "haven/pid_file.hpp"

namespace haven::mysql {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string pid_list(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids) out += (out.empty() ? "" : " ") + std::to_string(p);
  return out;
}

// The servers of the datadir on this node, verified: the pid file's when it names one, else
// any that the host's process facts show working on it. Empty with `why` filled when there is
// none.
std::vector<pid_t> running_servers(HostContext& host, const MysqlSettings& s, std::string& why) {
  auto file = read_pid_file(s.pid_file);
  if (!file) {
    why = file.error().message;
  } else if (!file->has_value()) {
    why = "no " + s.pid_file.string();
  } else if (auto verified = verify_server(host, **file, s.data); !verified) {
    why = s.pid_file.string() + " names process " + std::to_string(**file) + ", but " + verified.error().message;
  } else {
    return {**file};
  }
  auto found = servers_of_datadir(host, s.data);
  if (!found.empty()) why.clear();
  return found;
}

// Signals each of `pids` that is still this datadir's server (checked again just before).
void signal_verified(HostContext& host, const std::vector<pid_t>& pids, const fs::path& data, int sig) {
  for (pid_t p : pids)
    if (verify_server(host, p, data)) ::kill(p, sig);
}

// systemctl, run by the host without the caller's MYSQL* variables.
Status systemctl(HostContext& host, const std::vector<std::string>& args, std::chrono::seconds timeout,
                 const AppContext& app) {
  ProcessRequest request;
  request.argv = {"/usr/bin/systemctl"};
  if (::access(request.argv[0].c_str(), X_OK) != 0) request.argv[0] = "/bin/systemctl";
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.timeout = timeout;
  request.drop_env_prefixes = {"MYSQL"};
  std::string command;
  for (const auto& a : request.argv) command += (command.empty() ? "" : " ") + a;
  app.say(LogLevel::info, command);
  auto ran = host.run_process(request);
  if (!ran) return std::move(ran).error();
  if (ran->exit_code != 0)
    return fail(ran->timed_out ? Errc::timeout : Errc::io_error,
                command + " failed (exit code " + std::to_string(ran->exit_code) + "): " + trimmed(ran->output));
  return ok_status();
}

// A copy of the option file the server can read (the module's folder may be closed to it).
Result<fs::path> copy_config(const MysqlSettings& s, const SystemUser& user) {
  if (s.config.empty()) return fs::path{};
  const fs::path copy = s.run_dir / ("haven-" + std::to_string(s.port) + ".cnf");
  std::error_code ec;
  fs::copy_file(s.config, copy, fs::copy_options::overwrite_existing, ec);
  if (ec)
    return fail(Errc::io_error, "cannot copy the option file " + s.config.string() + " to " + copy.string() + ": " +
                                    ec.message());
  if (::chown(copy.c_str(), user.uid, user.gid) != 0 || ::chmod(copy.c_str(), 0640) != 0)
    return fail(Errc::io_error, "cannot give " + copy.string() + " to " + user.name);
  return copy;
}

// Waits until the server answers, or it exits, or start_timeout passes.
Status wait_until_serving(HostContext& host, const MysqlSettings& s, pid_t server, const AppContext& app) {
  const auto deadline = host.now() + s.start_timeout;
  AppContext quiet = app;
  quiet.log = nullptr;
  for (;;) {
    if (check_server(s, quiet)) return check_server(s, app);
    if (!process_alive(host, server))
      return fail(Errc::io_error, "start: the server " + s.server.string() + " on " + s.data.string() +
                                      " exited before it answered; its log " + s.log.string() + " ends with:" +
                                      tail_of(s.log, 15));
    if (host.now() >= deadline) break;
    host.sleep_for(200ms);
  }
  if (verify_server(host, server, s.data)) ::kill(server, SIGKILL);
  return fail(Errc::timeout, "start: the server on " + s.data.string() + " did not answer within " +
                                 std::to_string(s.start_timeout.count()) + " s (start_timeout), so it was killed; its log " +
                                 s.log.string() + " ends with:" + tail_of(s.log, 15));
}

Status start_service(HostContext& host, const MysqlSettings& s, const AppContext& app) {
  if (auto st = systemctl(host, {"start", s.service}, s.start_timeout + 15s, app); !st) return st;
  const auto deadline = host.now() + s.start_timeout;
  for (;;) {
    auto checked = check_server(s, app);
    if (checked || host.now() >= deadline) return checked;
    host.sleep_for(200ms);
  }
}

Status stop_service(HostContext& host, const MysqlSettings& s, StopMode mode, const AppContext& app) {
  if (mode == StopMode::forced) {
    (void)systemctl(host, {"kill", "--signal=SIGKILL", s.service}, 30s, app);
    return systemctl(host, {"stop", s.service}, 30s, app);
  }
  return systemctl(host, {"stop", s.service}, s.stop_timeout + 15s, app);
}

}  // namespace

Status MysqlApplication::prepare(const AppContext& app) noexcept {
  return guarded(host_, "MariaDB", "prepare", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    return prepare_data_folder(*s, *user, app);
  });
}

Status MysqlApplication::start(const AppContext& app) noexcept {
  return guarded(host_, "MariaDB", "start", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    if (!s->service.empty()) return start_service(host_, *s, app);
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    std::error_code ec;
    if (!fs::is_directory(s->data / "mysql", ec))
      return fail(Errc::not_found, "start: " + s->data.string() +
                                       " holds no MariaDB datadir (no mysql system database): create it with "
                                       "mariadb-install-db --user=" + s->user + " --datadir=" + s->data.string() +
                                       ", or fix the data setting");
    std::string why;
    if (auto running = running_servers(host_, *s, why); !running.empty()) {
      app.say(LogLevel::info, "start: MariaDB already runs on " + s->data.string() + " (process " +
                                  pid_list(running) + ")");
      return check_server(*s, app);
    }
    if (fs::exists(s->pid_file, ec)) {
      app.say(LogLevel::info, "start: removing a stale pid file: " + why);
      fs::remove(s->pid_file, ec);
      if (ec) return fail(Errc::io_error, "start: cannot remove the stale " + s->pid_file.string() + ": " + ec.message());
    }
    if (auto st = prepare_run_files(*s, *user); !st) return st;
    auto config = copy_config(*s, *user);
    if (!config) return std::move(config).error();
    const auto argv = server_command(*s, *config);
    std::string command;
    for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
    app.say(LogLevel::info, "start: " + command + " (as " + s->user + ", log " + s->log.string() + ")");
    auto server = host_.launch_detached(server_launch_request(argv, *user, s->log));
    if (!server) return std::move(server).error();
    return wait_until_serving(host_, *s, *server, app);
  });
}

Status MysqlApplication::stop(const AppContext& app, StopMode mode) noexcept {
  return guarded(host_, "MariaDB", "stop", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    if (!s->service.empty()) return stop_service(host_, *s, mode, app);
    std::string why;
    const auto servers = running_servers(host_, *s, why);
    if (servers.empty()) {
      app.say(LogLevel::info, "stop: MariaDB does not run on " + s->data.string() + " on this node: " + why +
                                  "; nothing signalled");
      return ok_status();
    }
    if (mode == StopMode::forced) {
      app.say(LogLevel::info, "stop force: SIGKILL to the server of " + s->data.string() + " (process " +
                                  pid_list(servers) + ")");
      signal_verified(host_, servers, s->data, SIGKILL);
      if (!wait_until_gone(host_, servers, 10s))
        return fail(Errc::timeout, "stop force: the server of " + s->data.string() + " (process " + pid_list(servers) +
                                       ") still exists 10 s after SIGKILL");
      return ok_status();
    }
    // SIGTERM is the server's own clean shutdown (what mariadb-admin shutdown asks for), sent to
    // the verified process alone, with no login needed.
    app.say(LogLevel::info, "stop: SIGTERM to the server of " + s->data.string() + " (process " + pid_list(servers) +
                                "), waiting up to " + std::to_string(s->stop_timeout.count()) + " s");
    signal_verified(host_, servers, s->data, SIGTERM);
    if (!wait_until_gone(host_, servers, s->stop_timeout))
      return fail(Errc::timeout, "stop: the server of " + s->data.string() + " (process " + pid_list(servers) +
                                     ") is still running " + std::to_string(s->stop_timeout.count()) +
                                     " s after SIGTERM; the forced stop (stop_prim force) ends it");
    return ok_status();
  });
}

Status MysqlApplication::check(const AppContext& app) noexcept {
  return guarded(host_, "MariaDB", "check", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    return check_server(*s, app);
  });
}

}  // namespace haven::mysql
