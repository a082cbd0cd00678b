#include "firebird_app.hpp"

#include <signal.h>

#include <filesystem>
#include <vector>

#include "haven/application_support.hpp"

#include "firebird_client.hpp"
#include "firebird_settings.hpp"
#include "instance_files.hpp"
#include "server_identity.hpp"
#include "server_launch.hpp"
#include "haven/pid_file.hpp"

namespace haven::firebird {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string pid_list(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids) out += (out.empty() ? "" : " ") + std::to_string(p);
  return out;
}

// The servers of the data folder on this node, verified: the pid file's when it names one,
// else any that the host's process facts show working on it. `why` says what was wrong with
// the pid file (also when a server was found without it), "" when it named the server.
std::vector<pid_t> running_servers(HostContext& host, const FirebirdSettings& s, std::string& why) {
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
  return servers_of_data(host, s.data);
}

// Signals each of `pids` that is still this data folder's server (checked again just before).
void signal_verified(HostContext& host, const std::vector<pid_t>& pids, const fs::path& data, int sig) {
  for (pid_t p : pids)
    if (verify_server(host, p, data)) ::kill(p, sig);
}

// Waits until the server answers, or it exits, or start_timeout passes (on the host's clock).
Status wait_until_serving(HostContext& host, const FirebirdSettings& s, pid_t server, const AppContext& app) {
  const auto deadline = host.now() + s.start_timeout;
  AppContext quiet = app;
  quiet.log = nullptr;
  for (;;) {
    if (check_server(s, quiet)) return check_server(s, app);
    if (!process_alive(host, server)) {
      auto last = check_server(s, quiet);
      return fail(Errc::io_error, "start: the server " + s.server.string() + " of " + s.data.string() +
                                      " exited before it answered (" + (last ? "" : last.error().message) +
                                      "); its log " + s.log.string() + " ends with:" + tail_of(s.log, 15));
    }
    if (host.now() >= deadline) break;
    host.sleep_for(200ms);
  }
  auto last = check_server(s, quiet);
  if (verify_server(host, server, s.data)) ::kill(server, SIGKILL);
  return fail(Errc::timeout, "start: the Firebird server of " + s.data.string() + " did not answer within " +
                                 std::to_string(s.start_timeout.count()) + " s (start_timeout), so it was killed; " +
                                 (last ? std::string() : "the last check said: " + last.error().message + "; ") +
                                 "its log " + s.log.string() + " ends with:" + tail_of(s.log, 15));
}

}  // namespace

Status FirebirdApplication::prepare(const AppContext& app) noexcept {
  return guarded(host_, "Firebird", "prepare", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    return prepare_instance(*s, *user, app);
  });
}

Status FirebirdApplication::start(const AppContext& app) noexcept {
  return guarded(host_, "Firebird", "start", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    std::error_code ec;
    if (!fs::is_directory(s->data, ec))
      return fail(Errc::not_found, "start: the Firebird data folder " + s->data.string() +
                                       " does not exist on this node: make it, or fix the data setting");
    if (!fs::exists(s->security_db, ec))
      return fail(Errc::not_found, "start: there is no security database " + s->security_db.string() +
                                       " (the logins of this server): make it once on the primary as "
                                       "docs/modules/firebird.md says, or fix the security_db setting");
    if (!s->password_problem.empty()) return fail(Errc::invalid_argument, "start: " + s->password_problem);
    std::string why;
    if (auto running = running_servers(host_, *s, why); !running.empty()) {
      if (!why.empty()) app.say(LogLevel::info, "start: " + why);
      app.say(LogLevel::info, "start: Firebird already runs on " + s->data.string() + " (process " +
                                  pid_list(running) + ")");
      return check_server(*s, app);
    }
    if (fs::exists(s->pid_file, ec)) {
      app.say(LogLevel::info, "start: removing a stale pid file: " + why);
      fs::remove(s->pid_file, ec);
      if (ec) return fail(Errc::io_error, "start: cannot remove the stale " + s->pid_file.string() + ": " + ec.message());
    }
    if (auto st = write_instance_files(*s, *user); !st) return st;
    const auto argv = server_command(*s);
    const auto env = server_environment(*s, find_install_dir());
    std::string command;
    for (const auto& e : env) command += e + " ";
    for (const auto& a : argv) command += (command.back() == ' ' ? "" : " ") + a;
    app.say(LogLevel::info, "start: " + command + " (as " + s->user + ", port " + std::to_string(s->port) + ", log " +
                                s->log.string() + ")");
    auto server = host_.launch_detached(server_launch_request(argv, env, *user, s->log));
    if (!server) return std::move(server).error();
    if (auto written = write_pid_file(s->pid_file, *server); !written) {
      if (verify_server(host_, *server, s->data)) ::kill(*server, SIGKILL);
      return written;
    }
    return wait_until_serving(host_, *s, *server, app);
  });
}

Status FirebirdApplication::stop(const AppContext& app, StopMode mode) noexcept {
  return guarded(host_, "Firebird", "stop", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    std::string why;
    const auto servers = running_servers(host_, *s, why);
    if (!servers.empty() && !why.empty())
      app.say(LogLevel::info, "stop: " + why + "; the server of " + s->data.string() +
                                  " found among this node's firebird processes is process " + pid_list(servers));
    if (servers.empty()) {
      app.say(LogLevel::info, "stop: Firebird does not run on " + s->data.string() + " on this node: " + why +
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
    // SIGTERM is the SuperServer's own clean shutdown (attachments ended, pages flushed),
    // sent to the verified process alone, with no login needed.
    app.say(LogLevel::info, "stop: SIGTERM to the server of " + s->data.string() + " (process " + pid_list(servers) +
                                "), waiting up to " + std::to_string(s->stop_timeout.count()) + " s");
    signal_verified(host_, servers, s->data, SIGTERM);
    if (!wait_until_gone(host_, servers, s->stop_timeout)) {
      // Firebird 3 loses a SIGTERM for good when its shutdown thread lost a race at startup
      // (FirebirdSQL/firebird#8380, fixed after 3.0.11); its own guardian (fbguard) kills the
      // server a few seconds after asking it to stop, and so does this. Forced writes keep
      // every committed page.
      app.say(LogLevel::warning, "stop: the server of " + s->data.string() + " (process " + pid_list(servers) +
                                     ") did not end within " + std::to_string(s->stop_timeout.count()) +
                                     " s of SIGTERM (a Firebird 3 server may ignore it for good: firebird#8380); "
                                     "SIGKILL, as Firebird's own guardian does");
      signal_verified(host_, servers, s->data, SIGKILL);
      if (!wait_until_gone(host_, servers, 10s))
        return fail(Errc::timeout, "stop: the server of " + s->data.string() + " (process " + pid_list(servers) +
                                       ") still exists after SIGTERM, " + std::to_string(s->stop_timeout.count()) +
                                       " s, then SIGKILL and 10 s");
      return ok_status();
    }
    std::error_code ec;
    fs::remove(s->pid_file, ec);
    return ok_status();
  });
}

Status FirebirdApplication::check(const AppContext& app) noexcept {
  return guarded(host_, "Firebird", "check", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    return check_server(*s, app);
  });
}

}  // namespace haven::firebird
