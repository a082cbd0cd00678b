#include "mysql_app.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "data_folder.hpp"
#include "mysql_client.hpp"
#include "mysql_settings.hpp"
#include "server_identity.hpp"
#include "server_launch.hpp"
#include "server_pid_file.hpp"

namespace haven::mysql {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Runs `body`, turning an escaping exception into an error: nothing crosses the plugin's edge.
template <typename Body>
Status guarded(HostContext& host, const char* what, Body body) noexcept {
  std::string message;
  try {
    return body();
  } catch (const std::exception& e) {
    message = std::string("MariaDB ") + what + " failed: " + e.what();
  } catch (...) {
    message = std::string("MariaDB ") + what + " failed: unknown exception";
  }
  host.log(LogLevel::error, message);
  return fail(Errc::internal, message);
}

std::string tail_of(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "\n  " + all[i];
  return out;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string pid_list(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids) out += (out.empty() ? "" : " ") + std::to_string(p);
  return out;
}

// A zombie (an ended process its parent has not reaped yet) counts as gone.
bool process_exists(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

bool wait_gone(const std::vector<pid_t>& pids, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    bool any = false;
    for (pid_t p : pids) any = any || process_exists(p);
    if (!any) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

// The servers of the datadir on this node, verified: the pid file's when it names one, else
// any that /proc shows working on it. Empty with `why` filled when there is none.
std::vector<pid_t> running_servers(const MysqlSettings& s, std::string& why) {
  auto file = read_pid_file(s.pid_file);
  if (!file) {
    why = file.error().message;
  } else if (!file->has_value()) {
    why = "no " + s.pid_file.string();
  } else if (auto verified = verify_server(**file, s.data); !verified) {
    why = s.pid_file.string() + " names process " + std::to_string(**file) + ", but " + verified.error().message;
  } else {
    return {**file};
  }
  auto found = servers_of_datadir(s.data);
  if (!found.empty()) why.clear();
  return found;
}

// Signals each of `pids` that is still this datadir's server (checked again just before).
void signal_verified(const std::vector<pid_t>& pids, const fs::path& data, int sig) {
  for (pid_t p : pids)
    if (verify_server(p, data)) ::kill(p, sig);
}

Status systemctl(const std::vector<std::string>& args, std::chrono::seconds timeout, const AppContext& app) {
  std::vector<std::string> argv{"/usr/bin/systemctl"};
  if (::access(argv[0].c_str(), X_OK) != 0) argv[0] = "/bin/systemctl";
  argv.insert(argv.end(), args.begin(), args.end());
  std::string command;
  for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
  app.say(LogLevel::info, command);
  std::string output;
  auto code = run_and_wait(argv, timeout, output);
  if (!code) return std::move(code).error();
  if (*code != 0)
    return fail(*code == 128 + SIGKILL ? Errc::timeout : Errc::io_error,
                command + " failed (exit code " + std::to_string(*code) + "): " + trimmed(output));
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
Status wait_until_serving(const MysqlSettings& s, pid_t server, const AppContext& app) {
  const auto deadline = Clock::now() + s.start_timeout;
  AppContext quiet = app;
  quiet.log = nullptr;
  for (;;) {
    if (check_server(s, quiet)) return check_server(s, app);
    if (!process_exists(server))
      return fail(Errc::io_error, "start: the server " + s.server.string() + " on " + s.data.string() +
                                      " exited before it answered; its log " + s.log.string() + " ends with:" +
                                      tail_of(s.log, 15));
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(200ms);
  }
  if (verify_server(server, s.data)) ::kill(server, SIGKILL);
  return fail(Errc::timeout, "start: the server on " + s.data.string() + " did not answer within " +
                                 std::to_string(s.start_timeout.count()) + " s (start_timeout), so it was killed; its log " +
                                 s.log.string() + " ends with:" + tail_of(s.log, 15));
}

Status start_service(const MysqlSettings& s, const AppContext& app) {
  if (auto st = systemctl({"start", s.service}, s.start_timeout + 15s, app); !st) return st;
  const auto deadline = Clock::now() + s.start_timeout;
  for (;;) {
    auto checked = check_server(s, app);
    if (checked || Clock::now() >= deadline) return checked;
    std::this_thread::sleep_for(200ms);
  }
}

Status stop_service(const MysqlSettings& s, StopMode mode, const AppContext& app) {
  if (mode == StopMode::forced) {
    (void)systemctl({"kill", "--signal=SIGKILL", s.service}, 30s, app);
    return systemctl({"stop", s.service}, 30s, app);
  }
  return systemctl({"stop", s.service}, s.stop_timeout + 15s, app);
}

}  // namespace

Status MysqlApplication::prepare(const AppContext& app) noexcept {
  return guarded(host_, "prepare", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    return prepare_data_folder(*s, *user, app);
  });
}

Status MysqlApplication::start(const AppContext& app) noexcept {
  return guarded(host_, "start", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    if (!s->service.empty()) return start_service(*s, app);
    auto user = find_user(s->user);
    if (!user) return std::move(user).error();
    std::error_code ec;
    if (!fs::is_directory(s->data / "mysql", ec))
      return fail(Errc::not_found, "start: " + s->data.string() +
                                       " holds no MariaDB datadir (no mysql system database): create it with "
                                       "mariadb-install-db --user=" + s->user + " --datadir=" + s->data.string() +
                                       ", or fix the data setting");
    std::string why;
    if (auto running = running_servers(*s, why); !running.empty()) {
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
    auto server = launch_detached(argv, *user, s->log);
    if (!server) return std::move(server).error();
    return wait_until_serving(*s, *server, app);
  });
}

Status MysqlApplication::stop(const AppContext& app, StopMode mode) noexcept {
  return guarded(host_, "stop", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    if (!s->service.empty()) return stop_service(*s, mode, app);
    std::string why;
    const auto servers = running_servers(*s, why);
    if (servers.empty()) {
      app.say(LogLevel::info, "stop: MariaDB does not run on " + s->data.string() + " on this node: " + why +
                                  "; nothing signalled");
      return ok_status();
    }
    if (mode == StopMode::forced) {
      app.say(LogLevel::info, "stop force: SIGKILL to the server of " + s->data.string() + " (process " +
                                  pid_list(servers) + ")");
      signal_verified(servers, s->data, SIGKILL);
      if (!wait_gone(servers, 10s))
        return fail(Errc::timeout, "stop force: the server of " + s->data.string() + " (process " + pid_list(servers) +
                                       ") still exists 10 s after SIGKILL");
      return ok_status();
    }
    // SIGTERM is the server's own clean shutdown (what mariadb-admin shutdown asks for), sent to
    // the verified process alone, with no login needed.
    app.say(LogLevel::info, "stop: SIGTERM to the server of " + s->data.string() + " (process " + pid_list(servers) +
                                "), waiting up to " + std::to_string(s->stop_timeout.count()) + " s");
    signal_verified(servers, s->data, SIGTERM);
    if (!wait_gone(servers, s->stop_timeout))
      return fail(Errc::timeout, "stop: the server of " + s->data.string() + " (process " + pid_list(servers) +
                                     ") is still running " + std::to_string(s->stop_timeout.count()) +
                                     " s after SIGTERM; the forced stop (stop_prim force) ends it");
    return ok_status();
  });
}

Status MysqlApplication::check(const AppContext& app) noexcept {
  return guarded(host_, "check", [&]() -> Status {
    auto s = read_settings(app);
    if (!s) return std::move(s).error();
    return check_server(*s, app);
  });
}

}  // namespace haven::mysql
