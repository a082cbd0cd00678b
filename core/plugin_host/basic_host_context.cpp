#include "plugin_host/basic_host_context.hpp"

#include "common/process_facts_reader.hpp"
#include "common/process_runner.hpp"

#include "plugin_host/plugin_host.hpp"

namespace haven {

void BasicHostContext::log(LogLevel level, std::string_view message) noexcept {
  if (!sink_) return;
  try {
    std::lock_guard lock(log_mutex_);
    if (prefix_.empty()) {
      sink_(level, message);
    } else {
      std::string line = "[" + prefix_ + "] ";
      line.append(message);
      sink_(level, line);
    }
  } catch (...) {
    // A plugin's log line is never worth a crash: drop it.
  }
}

Result<ModuleStatusReport> BasicHostContext::module_status(std::string_view module, std::string_view where,
                                                          std::chrono::milliseconds timeout) {
  if (!services_) return HostContext::module_status(module, where, timeout);
  return services_->module_status(module, where, timeout);
}

Result<std::string> BasicHostContext::daemon_request(std::string_view request_json, std::chrono::milliseconds timeout) {
  if (!services_) return HostContext::daemon_request(request_json, timeout);
  return services_->daemon_request(request_json, timeout);
}

Result<std::string> BasicHostContext::config_text(std::string_view location) {
  if (!services_) return HostContext::config_text(location);
  return services_->config_text(module_, location);
}

Result<std::shared_ptr<Application>> BasicHostContext::make_application(std::string_view kind) {
  if (plugins_ == nullptr) return HostContext::make_application(kind);
  auto context = std::make_shared<BasicHostContext>(sink_, "app." + std::string(kind));
  context->with_environment(environment_);
  if (services_) context->with_services(services_, module_);
  return plugins_->make_application_for(kind, std::move(context));
}

Result<ProcessOutcome> BasicHostContext::run_process(const ProcessRequest& request) { return haven::run_process(request); }

Result<pid_t> BasicHostContext::launch_detached(const ProcessRequest& request) { return haven::launch_detached(request); }

Result<ProcessFacts> BasicHostContext::process_facts(pid_t pid) { return read_process_facts(pid); }

Result<std::vector<ProcessFacts>> BasicHostContext::processes_running(const std::vector<std::string>& programs) {
  return read_processes_running(programs);
}

Result<FileId> BasicHostContext::process_file_id(pid_t pid, const std::filesystem::path& path) {
  return read_process_file_id(pid, path);
}

}  // namespace haven
