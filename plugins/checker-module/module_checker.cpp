#include "module_checker.hpp"

#include "common/haven_paths.hpp"
#include "config/cluster_config.hpp"
#include "control/control_client.hpp"

namespace haven::checker_module {
namespace {

std::string where(const ConfigNode& node) {
  std::string place = node.file.empty() ? std::string("userconfig.xml") : node.file;
  if (node.line > 0) place += " line " + std::to_string(node.line);
  if (!node.path.empty()) place += " <" + node.path + ">";
  return place;
}

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0;
}

}  // namespace

Result<ModuleTarget> parse_module_target(const ConfigNode& element) {
  ModuleTarget target;
  target.module = element.attribute("name").value_or("");
  if (target.module.empty())
    return fail(Errc::invalid_argument, "haven.checker.module: " + where(element) +
                                            " has no name attribute; expected name=\"MODULE\", the module to watch");
  const ConfigNode* to = element.child("to");
  target.addr = to != nullptr ? to->attribute("addr").value_or("") : "";
  if (target.addr.empty())
    return fail(Errc::invalid_argument, "haven.checker.module: " + where(element) +
                                            " has no <to addr=\"...\"/>; expected 127.0.0.1 for this node or the "
                                            "address of another node of cluster.xml");
  return target;
}

bool module_is_up(const std::string& state, const std::string& substate) {
  const bool role = state == "PRIM" || state == "ALONE" || state == "SECOND" || state == "UP";
  return role && substate == "Ready";
}

Result<std::unique_ptr<ModuleChecker>> ModuleChecker::from_host(HostContext& host) {
  const ConfigNode* element = host.config();
  if (element == nullptr)
    return fail(Errc::invalid_argument, "haven.checker.module needs its <module name=\"...\"><to addr=\"...\"/></module> "
                                        "element");
  auto target = parse_module_target(*element);
  if (!target.ok()) return std::move(target).error();
  const auto& env = host.environment();
  std::optional<std::string> root;
  if (auto it = env.find("HAVEN_ROOT"); it != env.end() && !it->second.empty()) root = it->second;
  const auto paths = root ? HavenPaths::under(*root) : HavenPaths::system();
  return std::make_unique<ModuleChecker>(std::move(*target), paths.daemon_socket(), paths.cluster_config(), env);
}

Result<std::string> ModuleChecker::node_of(const std::string& addr) const {
  auto cluster = config::read_cluster_config(cluster_xml_, env_);
  if (!cluster.ok()) return std::move(cluster).error();
  for (const auto& node : cluster->node_names())
    for (const auto& lan : cluster->lans)
      if (cluster->address_of(node, lan.name) == addr) return node;
  return fail(Errc::not_found, "no node of " + cluster_xml_.string() + " has the address " + addr +
                                   "; expected 127.0.0.1 for this node or an address of a node of cluster.xml");
}

std::string module_run(const nlohmann::json& entry) {
  if (!entry.is_object()) return "not running";
  const std::string state = entry.value("state", std::string("STOP"));
  if (state == "STOP" || state == "WAIT") return "not running";
  // The agent's pid changes when the module stops and starts again through STOP; the
  // generation when it becomes primary (a stopstart of a primary, a failover); "starts", when
  // the agent tells it, at every start, a secondary's included.
  std::string run = "agent " + std::to_string(entry.value("pid", 0LL));
  if (auto g = entry.find("generation"); g != entry.end() && g->is_number_integer())
    run += ", generation " + std::to_string(g->get<std::uint64_t>());
  if (auto s = entry.find("starts"); s != entry.end() && s->is_number_integer())
    run += ", start " + std::to_string(s->get<std::uint64_t>());
  return run;
}

Result<CheckResult> ModuleChecker::probe(std::chrono::milliseconds timeout) noexcept {
  auto seen = probe_run(timeout);
  if (!seen.ok()) return std::move(seen).error();
  return std::move(seen->check);
}

Result<RunCheckResult> ModuleChecker::probe_run(std::chrono::milliseconds timeout) noexcept {
  try {
    ControlRequest state;
    state.command = "state";
    state.module = target_.module;
    ControlRequest sent = state;
    std::string place = "this node";
    // An address of cluster.xml names its node (havend answers itself for its own name);
    // loopback that is no node's is this node.
    auto node = node_of(target_.addr);
    if (!node.ok() && !is_loopback(target_.addr)) return std::move(node).error();
    if (node.ok()) {
      place = "node " + *node;
      const auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
      sent = ControlRequest{};
      sent.command = "relay";
      sent.args = {{"node", *node}, {"request", state.to_json()}, {"timeout_s", seconds}};
    }
    const std::string thing = "module " + target_.module + " on " + place;
    // No answer, or a refusal: nothing learnt of the module's run.
    auto answer = send_control_request(daemon_socket_, sent, timeout);
    if (!answer.ok())
      return RunCheckResult{{false, "cannot ask havend (" + daemon_socket_.string() + ") for " + thing + ": " +
                                        answer.error().message},
                            thing,
                            {}};
    if (!answer->ok) return RunCheckResult{{false, thing + ": " + answer->message}, thing, {}};
    const nlohmann::json& data = answer->data.is_array() && !answer->data.empty() ? answer->data[0] : answer->data;
    const std::string s = data.is_object() ? data.value("state", std::string("STOP")) : "STOP";
    const std::string sub = data.is_object() ? data.value("substate", std::string("NotReady")) : "NotReady";
    return RunCheckResult{{module_is_up(s, sub), thing + " is " + s + " " + sub}, thing, module_run(data)};
  } catch (const std::exception& e) {
    return fail(Errc::internal, "haven.checker.module: " + std::string(e.what()));
  }
}

}  // namespace haven::checker_module
