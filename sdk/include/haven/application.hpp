// haven SDK: application kinds (PostgreSQL, MariaDB, ...).
//
// An application plugin knows one kind of application: how to prepare a node for it, start
// it, stop it (gracefully, then by force) and tell whether it serves its clients, through the
// application's own tools and client library. Hooks and checkers call it (a Lua hook through
// `haven.app(kind, settings)`), so that a module does not re-invent those steps in a script.
//
// A stop must never signal a process only because a file of the data folder names it: the
// data folder is replicated, so its pid file may name a process of the other node, and on
// this node that number belongs to whatever process has it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "haven/log.hpp"
#include "haven/plugin.hpp"
#include "haven/result.hpp"

namespace haven {

/// How Application::stop ends the application.
enum class StopMode {
  graceful,  ///< ask it to finish what it does and stop (bounded by the plugin's own wait)
  forced,    ///< end it at once; the next start recovers (a database replays its log)
};

/// What one call of an application plugin works with: the module's settings for the
/// application, as key/values, and a log. Made by the caller for each call, or kept.
struct AppContext {
  /// The settings: "data" (the data directory), "port", "user", "bin" (the folder of the
  /// application's programs), "version", ... Each kind says in its README which keys it
  /// reads and their defaults; an unknown key is ignored.
  std::map<std::string, std::string> settings;
  /// Where the plugin says what it does and why it refuses (the module log, through the
  /// hook). Empty: nothing is logged. Called from the calling thread only.
  std::function<void(LogLevel, std::string_view)> log;

  /// The setting `key`, or `fallback` when it is absent or empty.
  std::string get(std::string_view key, std::string_view fallback = {}) const {
    auto it = settings.find(std::string(key));
    return it == settings.end() || it->second.empty() ? std::string(fallback) : it->second;
  }
  /// Logs one line when a log is set.
  void say(LogLevel level, std::string_view message) const {
    if (log) log(level, message);
  }
};

/// One application kind. An object may serve many calls, one at a time (not thread-safe);
/// every call is bounded in time by the plugin (its waits are documented in its README).
class Application : public PluginObject {
 public:
  /// Short kind name, as `haven.app(kind)` asks for it: "postgresql".
  virtual std::string kind() const = 0;

  /// Makes this node ready to run the application on `app`'s data after a takeover or a
  /// restore: ownership and permissions of the data folder, run-time folders. Changes no
  /// data; idempotent. Errors name the folder and what was expected.
  [[nodiscard]] virtual Status prepare(const AppContext& app) noexcept = 0;

  /// Starts the application on `app`'s data and returns once it accepts clients. Already
  /// running on that data: ok. An error says why (with the application's own log's tail
  /// when it has one); the application is then not left half started when it can be helped.
  [[nodiscard]] virtual Status start(const AppContext& app) noexcept = 0;

  /// Stops the application on `app`'s data. graceful: asks it to stop and waits (bounded);
  /// an error when it is still running after that. forced: ends it at once, and kills only
  /// processes verified to be this application on this data (never one named only by a
  /// file of the data folder). Not running on this node: ok, and nothing is signalled.
  [[nodiscard]] virtual Status stop(const AppContext& app, StopMode mode) noexcept = 0;

  /// Whether the application serves its clients now: ok when healthy, otherwise an error
  /// whose message says why not: io_error or timeout when it does not answer, refused when
  /// it answers but cannot serve (still starting, read-only), invalid_argument when the
  /// settings cannot be right.
  [[nodiscard]] virtual Status check(const AppContext& app) noexcept = 0;
};

}  // namespace haven
