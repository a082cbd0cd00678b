// haven SDK: everything a plugin receives from the host.
//
// Plugins have no globals, no static registration and no logger of their own: they log,
// read their configuration and the module environment only through this context. The
// host owns the context and keeps it alive for as long as any object the plugin made.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "haven/config_node.hpp"
#include "haven/log.hpp"
#include "haven/module_status.hpp"
#include "haven/process.hpp"
#include "haven/process_facts.hpp"
#include "haven/result.hpp"

namespace haven {

class Application;

/// The host's services, given to a plugin's factory. All functions are thread-safe.
class HostContext {
 public:
  virtual ~HostContext() = default;

  /// Writes one line to the module's log (or the daemon's log outside a module), prefixed
  /// with the plugin's name. Never throws, never blocks on the network.
  virtual void log(LogLevel level, std::string_view message) noexcept = 0;

  /// The configuration element this plugin instance is made from, or nullptr when it is
  /// made without one (a script engine, `haven plugins list`).
  virtual const ConfigNode* config() const noexcept = 0;

  /// The module's environment (SAFE, SAFEBIN, SAFEMODULE, SAFEUSERBIN, SAFEVAR and the
  /// `<user><var>` entries); empty outside a module.
  virtual const std::map<std::string, std::string>& environment() const noexcept = 0;

  // Host services (ABI 1.3). A plugin uses these instead of reaching into haven's internals;
  // a host that does not offer one answers Errc::unsupported, and tests fake them all.

  /// The host's monotonic clock: what a plugin measures intervals with, so that tests can run
  /// it in simulated time.
  virtual std::chrono::steady_clock::time_point now() const noexcept { return std::chrono::steady_clock::now(); }

  /// The state of `module` where `where` says: empty or a loopback address for this node, a
  /// node name of cluster.xml, or one of its addresses (the question then goes through this
  /// node's havend to that node's). Errors: not_found when `where` is no node of cluster.xml,
  /// io_error/timeout when havend (or the other node's) does not answer within `timeout`,
  /// refused when it answers with a refusal (the module is not installed there, ...).
  virtual Result<ModuleStatusReport> module_status(std::string_view module, std::string_view where,
                                                   std::chrono::milliseconds timeout) {
    (void)module, (void)where, (void)timeout;
    return fail(Errc::unsupported, "this host offers no module status");
  }

  /// Sends one control request (a JSON object, as `haven` sends them: {"command": ...}) to this
  /// node's havend and returns its answer, a JSON object, as text.
  virtual Result<std::string> daemon_request(std::string_view request_json, std::chrono::milliseconds timeout) {
    (void)request_json, (void)timeout;
    return fail(Errc::unsupported, "this host offers no daemon requests");
  }

  /// The text of a configuration file of this node: "cluster.xml", or "userconfig.xml" (the
  /// module's own, as installed). not_found when it does not exist.
  virtual Result<std::string> config_text(std::string_view location) {
    (void)location;
    return fail(Errc::unsupported, "this host offers no configuration text");
  }

  /// An object of the application plugin of `kind` ("postgresql": the one whose kind() says
  /// so), made with this host's log, for a hook or a checker to prepare, start, stop or check
  /// its application (application.hpp). Errors: not_found when no loaded plugin is of that
  /// kind, naming the kinds there are; unsupported when this host loads no plugins.
  virtual Result<std::shared_ptr<Application>> make_application(std::string_view kind) {
    (void)kind;
    return fail(Errc::unsupported, "this host offers no application plugins");
  }

  /// Runs a program (process.hpp) and waits for it, or for its timeout. It returns as soon as
  /// the program exits, without waiting for daemons it started. An error only when it could
  /// not be run at all (not an absolute path, no such user, no fork); a failing program is
  /// an outcome with its exit code.
  virtual Result<ProcessOutcome> run_process(const ProcessRequest& request) {
    (void)request;
    return fail(Errc::unsupported, "this host runs no programs for its plugins");
  }

  // Process facts (ABI 2.1): what the kernel says of this node's processes (process_facts.hpp),
  // so that an application plugin verifies a process before it signals it without reading
  // /proc itself. The plugin keeps the judgment (which program, which data folder).

  /// The facts of process `pid`. not_found naming the pid when no process has it on this
  /// node (a zombie still has: see ProcessFacts::zombie).
  virtual Result<ProcessFacts> process_facts(pid_t pid) {
    (void)pid;
    return fail(Errc::unsupported, "this host gives no process facts");
  }

  /// The facts of every process of this node whose program (program_name of its executable)
  /// is one of `programs`, in pid order; empty when none. What a plugin searches with when a
  /// pid file is lost or names something else.
  virtual Result<std::vector<ProcessFacts>> processes_running(const std::vector<std::string>& programs) {
    (void)programs;
    return fail(Errc::unsupported, "this host gives no process facts");
  }

  /// The identity of `path` as process `pid` sees it: an absolute path through the process's
  /// own root (its mount namespace), a relative one from its working directory. An error
  /// naming the path and the pid when the process is gone or the path does not exist there.
  virtual Result<FileId> process_file_id(pid_t pid, const std::filesystem::path& path) {
    (void)pid, (void)path;
    return fail(Errc::unsupported, "this host gives no process facts");
  }

  // Time (ABI 2.2), after everything older plugins know of: their table of functions is unchanged.

  /// Waits `duration` of the host's clock. What a plugin polls with (a process to go, a server
  /// to answer), so that a host in simulated time returns at once with its clock moved on.
  /// Periodic work is the host's: it probes checkers at their interval itself.
  virtual void sleep_for(std::chrono::milliseconds duration) noexcept { std::this_thread::sleep_for(duration); }

  // Servers (ABI 2.3).

  /// Starts a program that outlives the call and the caller (a database server): as
  /// run_process does, but in a session of its own and nobody's child, its output appended
  /// to `request.output_file` (/dev/null when empty), and returns its pid at once without
  /// waiting (`request.timeout` is not used). An error only when it could not be started at
  /// all; a program that exits at once is the caller's to notice.
  virtual Result<pid_t> launch_detached(const ProcessRequest& request) {
    (void)request;
    return fail(Errc::unsupported, "this host starts no servers for its plugins");
  }
};

}  // namespace haven
