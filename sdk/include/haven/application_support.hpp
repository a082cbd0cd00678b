// haven SDK: what every application plugin (application.hpp) needs beside its own judgment,
// header-only: the guard that keeps exceptions inside the plugin, the tail of a log for an
// error message, typed readers of AppContext settings, the system user the application runs
// as and the walk that gives it its data folder, and waits on processes through the host's
// process facts (process_facts.hpp). Nothing here knows an application by name: the plugin
// passes the name its messages use ("MariaDB", "PostgreSQL").
#pragma once

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "haven/application.hpp"
#include "haven/host_context.hpp"
#include "haven/process_facts.hpp"
#include "haven/result.hpp"

namespace haven {

/// Runs `body` (a callable returning Status) for one step of an Application call and turns an
/// exception escaping it into Errc::internal, "<application> <step> failed: <what>", which
/// `host` logs as an error too (an exception is a bug of the plugin). What every noexcept
/// Application function wraps its work in, so that nothing crosses the plugin's edge.
template <typename Body>
Status guarded(HostContext& host, std::string_view application, std::string_view step, Body&& body) noexcept {
  std::string message;
  try {
    return body();
  } catch (const std::exception& e) {
    message = std::string(application) + " " + std::string(step) + " failed: " + e.what();
  } catch (...) {
    message = std::string(application) + " " + std::string(step) + " failed: unknown exception";
  }
  host.log(LogLevel::error, message);
  return fail(Errc::internal, message);
}

/// The last `lines` lines of `file`, each on a line of its own indented by two spaces, to end
/// an error message with ("its log /var/log/x.log ends with:" + tail_of(log, 15)). "" when the
/// file cannot be read or is empty.
inline std::string tail_of(const std::filesystem::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "\n  " + all[i];
  return out;
}

/// `text` without its trailing newlines and spaces: a program's output inside a message.
inline std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

/// Reads an application's settings from an AppContext, typed and checked. Every error is
/// Errc::invalid_argument naming the application, the key, the value given and what was
/// expected: `MariaDB setting port="70000" is not a whole number from 1 to 65535`. An absent
/// or empty setting takes its fallback. Holds a reference to `app`, which must outlive it.
class AppSettingsReader {
 public:
  /// `application` is the name messages use ("PostgreSQL").
  AppSettingsReader(const AppContext& app, std::string application)
      : app_(app), application_(std::move(application)) {}

  /// The application's name, as given.
  const std::string& application() const { return application_; }

  /// The setting as text, or `fallback`.
  std::string text(std::string_view key, std::string_view fallback = {}) const { return app_.get(key, fallback); }

  /// The setting as text; an error when it is absent or empty, saying `expected` (what the
  /// setting is: "the systemd unit to start").
  Result<std::string> required_text(std::string_view key, std::string_view expected) const {
    std::string value = app_.get(key);
    if (value.empty())
      return fail(Errc::invalid_argument, application_ + " setting " + std::string(key) + " is missing: expected " +
                                              std::string(expected));
    return value;
  }

  /// The setting as a whole number from `low` to `high`, or `fallback`.
  Result<long> integer(std::string_view key, long fallback, long low, long high) const {
    const std::string value = app_.get(key);
    if (value.empty()) return fallback;
    long number = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc{} || end != value.data() + value.size() || number < low || number > high)
      return fail(Errc::invalid_argument, application_ + " setting " + std::string(key) + "=\"" + value +
                                              "\" is not a whole number from " + std::to_string(low) + " to " +
                                              std::to_string(high));
    return number;
  }

  /// The setting as a number of seconds from `low` to `high`, or `fallback`: a timeout.
  Result<std::chrono::seconds> seconds(std::string_view key, std::chrono::seconds fallback, std::chrono::seconds low,
                                       std::chrono::seconds high) const {
    auto number = integer(key, static_cast<long>(fallback.count()), static_cast<long>(low.count()),
                          static_cast<long>(high.count()));
    if (!number) return std::move(number).error();
    return std::chrono::seconds(*number);
  }

  /// The setting as a path, or `fallback`; an error when the result is not empty and not
  /// absolute ("must be an absolute path").
  Result<std::filesystem::path> absolute_path(std::string_view key, std::string_view fallback = {}) const {
    std::filesystem::path value = app_.get(key, fallback);
    if (!value.empty() && !value.is_absolute())
      return fail(Errc::invalid_argument, application_ + " setting " + std::string(key) + "=\"" + value.string() +
                                              "\" must be an absolute path");
    return value;
  }

  /// The setting as an absolute path, required, in its lexically normal form without a
  /// trailing slash ("/srv/db/" gives "/srv/db"): a folder compared with what /proc says. An
  /// error saying `expected` ("the absolute path of the server's datadir") when it is absent,
  /// empty or relative.
  Result<std::filesystem::path> required_folder(std::string_view key, std::string_view expected) const {
    std::filesystem::path value = app_.get(key);
    if (value.empty() || !value.is_absolute())
      return fail(Errc::invalid_argument, application_ + " setting " + std::string(key) + "=\"" + value.string() +
                                              "\" must be " + std::string(expected));
    value = value.lexically_normal();
    if (!value.has_filename()) value = value.parent_path();
    return value;
  }

 private:
  const AppContext& app_;
  std::string application_;
};

/// A system user an application runs as, resolved from its name.
struct UserAccount {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Looks `name` up in the user database (getpwnam_r). not_found naming it when there is no
/// such user, the message ending with `expected` ("the user MariaDB runs as (...)").
inline Result<UserAccount> find_user_account(const std::string& name, std::string_view expected) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr)
    return fail(Errc::not_found, "there is no system user '" + name + "' on this node (getpwnam); expected " +
                                     std::string(expected));
  return UserAccount{name, entry.pw_uid, entry.pw_gid};
}

/// Gives `path` (itself, not a link's target) to `user` and its group unless they already own
/// it. true when it changed, false when there was nothing to do or the path is gone (a
/// temporary file). refused when the file system is read-only (a secondary's copy), io_error
/// otherwise; both name the path and the user.
inline Result<bool> give_to_user(const std::filesystem::path& path, const UserAccount& user) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return fail(Errc::io_error, "cannot stat " + path.string() + ": " + std::strerror(errno));
  }
  if (st.st_uid == user.uid && st.st_gid == user.gid) return false;
  if (::lchown(path.c_str(), user.uid, user.gid) != 0)
    return fail(errno == EROFS ? Errc::refused : Errc::io_error,
                "cannot give " + path.string() + " to " + user.name + ": " + std::strerror(errno));
  return true;
}

/// Gives `folder` and every file under it to `user` (the numeric owner travels with
/// replicated files, and user ids may differ between nodes), logging in `app` how many
/// changed: true. A read-only copy (a secondary's) is left as it is, said in `app`: false, so
/// that the caller changes nothing else there either. An error names the path that could not
/// be given or listed. The folder must exist.
inline Result<bool> give_tree_to_user(const std::filesystem::path& folder, const UserAccount& user,
                                      const AppContext& app) {
  namespace fs = std::filesystem;
  std::size_t changed = 0;
  auto count = [&](Result<bool> given) -> Status {
    if (!given) return std::move(given).error();
    if (*given) ++changed;
    return ok_status();
  };
  Status owned = count(give_to_user(folder, user));
  if (owned) {
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    for (; owned && !ec && it != end; it.increment(ec)) owned = count(give_to_user(it->path(), user));
    if (owned && ec && ec != std::errc::no_such_file_or_directory)
      owned = fail(Errc::io_error, "cannot list " + folder.string() + ": " + ec.message());
  }
  if (!owned && owned.error().code == Errc::refused) {
    app.say(LogLevel::info, "prepare: " + folder.string() + " is read-only here (a secondary's copy); left as it is");
    return false;
  }
  if (!owned) return std::move(owned).error();
  if (changed > 0)
    app.say(LogLevel::info, "prepare: gave " + std::to_string(changed) + " files of " + folder.string() + " to " +
                                user.name);
  return true;
}

/// Makes the log file `log` (and its folder) when missing, mode 0640, never through a link,
/// and gives it to `user`: where the application writes what a failed start's message quotes.
inline Status make_user_log(const std::filesystem::path& log, const UserAccount& user) {
  std::error_code ec;
  std::filesystem::create_directories(log.parent_path(), ec);
  if (ec) return fail(Errc::io_error, "cannot make the folder of the log " + log.string() + ": " + ec.message());
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return fail(Errc::io_error, "cannot create the log " + log.string() + ": " + std::strerror(errno));
  ::close(fd);
  auto given = give_to_user(log, user);
  if (!given) return std::move(given).error();
  return ok_status();
}

/// Whether `pid` is a live process of this node, from `host`'s process facts: a zombie (ended,
/// not yet reaped) counts as gone. A host without process facts is answered by kill(pid, 0).
inline bool process_alive(HostContext& host, pid_t pid) {
  auto facts = host.process_facts(pid);
  if (facts) return !facts->zombie;
  if (facts.error().code != Errc::unsupported) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

/// Waits until none of `pids` is alive (process_alive), looking every 50 ms of the host's
/// clock (HostContext::sleep_for), for at most `limit` of it; true when they are all gone.
inline bool wait_until_gone(HostContext& host, const std::vector<pid_t>& pids, std::chrono::milliseconds limit) {
  const auto deadline = host.now() + limit;
  for (;;) {
    bool any = false;
    for (pid_t p : pids) any = any || process_alive(host, p);
    if (!any) return true;
    if (host.now() >= deadline) return false;
    host.sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace haven
