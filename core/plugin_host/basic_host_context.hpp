// A plain HostContext: log lines go to a callback, with an optional configuration element
// and a module environment. Enough for the daemon, the agent, hook runners and tests.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "haven/host_context.hpp"
#include "plugin_host/host_service_backend.hpp"

namespace haven {

class PluginHost;

class BasicHostContext final : public HostContext {
 public:
  /// Receives each log line, already prefixed "[<prefix>] " when a prefix is set. Called
  /// under this context's lock, so it needs no locking of its own; it must not throw.
  using LogSink = std::function<void(LogLevel, std::string_view)>;

  /// A context that drops log lines; set what you need with the builders below.
  BasicHostContext() = default;
  explicit BasicHostContext(LogSink sink, std::string prefix = {})
      : sink_(std::move(sink)), prefix_(std::move(prefix)) {}

  /// The element the plugin object is made from (a `<tcp>` for a TCP checker).
  BasicHostContext& with_config(ConfigNode node) {
    config_ = std::move(node);
    return *this;
  }
  /// The module environment (SAFE, SAFEBIN, ... and `<user><var>` entries).
  BasicHostContext& with_environment(std::map<std::string, std::string> env) {
    environment_ = std::move(env);
    return *this;
  }

  /// Where module_status, daemon_request and config_text go, for module `module` (its
  /// userconfig.xml); without one they answer Errc::unsupported.
  BasicHostContext& with_services(std::shared_ptr<HostServiceBackend> services, std::string module = {}) {
    services_ = std::move(services);
    module_ = std::move(module);
    return *this;
  }

  /// Where make_application finds application plugins. `plugins` must outlive every call of
  /// make_application and must not scan while one runs; the objects made keep their own
  /// library loaded. Without it, make_application answers Errc::unsupported.
  BasicHostContext& with_plugins(PluginHost& plugins) {
    plugins_ = &plugins;
    return *this;
  }

  void log(LogLevel level, std::string_view message) noexcept override;
  const ConfigNode* config() const noexcept override { return config_ ? &*config_ : nullptr; }
  const std::map<std::string, std::string>& environment() const noexcept override { return environment_; }
  Result<ModuleStatusReport> module_status(std::string_view module, std::string_view where,
                                           std::chrono::milliseconds timeout) override;
  Result<std::string> daemon_request(std::string_view request_json, std::chrono::milliseconds timeout) override;
  Result<std::string> config_text(std::string_view location) override;
  /// The object is made with a context of its own: this one's log sink (prefixed
  /// "app.<kind>"), environment and services.
  Result<std::shared_ptr<Application>> make_application(std::string_view kind) override;
  /// common/process_runner.hpp's run_process.
  Result<ProcessOutcome> run_process(const ProcessRequest& request) override;
  /// common/process_runner.hpp's launch_detached.
  Result<pid_t> launch_detached(const ProcessRequest& request) override;
  /// common/process_facts_reader.hpp, on this node's /proc.
  Result<ProcessFacts> process_facts(pid_t pid) override;
  Result<std::vector<ProcessFacts>> processes_running(const std::vector<std::string>& programs) override;
  Result<FileId> process_file_id(pid_t pid, const std::filesystem::path& path) override;

 private:
  LogSink sink_;
  std::string prefix_;
  std::optional<ConfigNode> config_;
  std::map<std::string, std::string> environment_;
  std::shared_ptr<HostServiceBackend> services_;
  std::string module_;
  PluginHost* plugins_ = nullptr;
  std::mutex log_mutex_;
};

}  // namespace haven
