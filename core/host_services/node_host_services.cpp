#include "host_services/node_host_services.hpp"

#include <algorithm>

#include "common/atomic_file.hpp"
#include "config/cluster_config.hpp"
#include "control/control_client.hpp"
#include "state/module_status.hpp"

namespace haven {
namespace {

bool is_loopback(std::string_view addr) {
  return addr.empty() || addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0;
}

// What a plugin is told of havend's entry for the module; no entry (an empty answer) is STOP.
Result<ModuleStatusReport> report_from(const std::string& module, const std::string& node, const nlohmann::json& entry) {
  ModuleStatusReport r;
  r.module = module;
  r.node = node;
  r.state = to_string(ModuleState::stop);
  r.substate = to_string(SubState::not_ready);
  if (!entry.is_object()) return r;
  auto status = module_status_from_json(entry, StatusFields::state_only);
  if (!status.ok()) return std::move(status).error();
  r.state = to_string(status->state);
  r.substate = to_string(status->substate);
  r.agent_pid = status->pid.value_or(0);
  r.generation = status->generation;
  r.starts = status->starts;
  return r;
}

}  // namespace

Result<std::string> NodeHostServices::node_of(std::string_view where) const {
  auto cluster = config::read_cluster_config(paths_.cluster_config(), env_);
  if (!cluster.ok()) return std::move(cluster).error();
  const auto names = cluster->node_names();
  if (std::find(names.begin(), names.end(), where) != names.end()) return std::string(where);
  for (const auto& node : names)
    for (const auto& lan : cluster->lans)
      if (cluster->address_of(node, lan.name) == where) return node;
  return fail(Errc::not_found, "no node of " + paths_.cluster_config().string() + " is named or has the address " +
                                   std::string(where) +
                                   "; expected 127.0.0.1 for this node or a name or address of a node of cluster.xml");
}

Result<ModuleStatusReport> NodeHostServices::module_status(std::string_view module, std::string_view where,
                                                           std::chrono::milliseconds timeout) {
  try {
    ControlRequest state;
    state.command = "state";
    state.module = std::string(module);
    ControlRequest sent = state;
    std::string node;
    // An address of cluster.xml names its node (havend answers itself for its own name);
    // loopback that is no node's is this node.
    auto found = node_of(where);
    if (!found.ok() && !is_loopback(where)) return std::move(found).error();
    if (found.ok()) {
      node = *found;
      const auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
      sent = ControlRequest{};
      sent.command = "relay";
      sent.args = {{"node", node}, {"request", state.to_json()}, {"timeout_s", seconds}};
    }
    const std::string thing = "module " + std::string(module) + " on " + (node.empty() ? "this node" : "node " + node);
    auto answer = send_control_request(paths_.daemon_socket(), sent, timeout);
    if (!answer.ok())
      return fail(answer.error().code == Errc::timeout ? Errc::timeout : Errc::io_error,
                  "cannot ask havend (" + paths_.daemon_socket().string() + ") for " + thing + ": " +
                      answer.error().message);
    if (!answer->ok) return fail(Errc::refused, thing + ": " + answer->message);
    const nlohmann::json& data = answer->data.is_array() && !answer->data.empty() ? answer->data[0] : answer->data;
    auto report = report_from(std::string(module), node, data);
    if (!report.ok()) return fail(report.error().code, "havend's answer about " + thing + ": " + report.error().message);
    return report;
  } catch (const std::exception& e) {
    return fail(Errc::internal, "module status of " + std::string(module) + ": " + e.what());
  }
}

Result<std::string> NodeHostServices::daemon_request(std::string_view request_json, std::chrono::milliseconds timeout) {
  try {
    auto request = ControlRequest::parse(std::string(request_json));
    if (!request.ok()) return std::move(request).error();
    auto answer = send_control_request(paths_.daemon_socket(), *request, timeout);
    if (!answer.ok()) return std::move(answer).error();
    return answer->to_json().dump();
  } catch (const std::exception& e) {
    return fail(Errc::internal, std::string("daemon request: ") + e.what());
  }
}

Result<std::string> NodeHostServices::config_text(std::string_view module, std::string_view location) {
  if (location == "cluster.xml") return read_file(paths_.cluster_config());
  if (location == "userconfig.xml") {
    if (module.empty()) return fail(Errc::not_found, "userconfig.xml: this plugin does not run in a module");
    return read_file(paths_.module_dir(std::string(module)) / "conf" / "userconfig.xml");
  }
  return fail(Errc::invalid_argument, "configuration location \"" + std::string(location) +
                                          "\" is not known; expected cluster.xml or userconfig.xml");
}

}  // namespace haven
