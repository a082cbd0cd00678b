#include "module_checker.hpp"

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

const CheckerSchema& module_schema() {
  static const CheckerSchema schema{"module", CheckerSection::check, "module", "", "pre", "wait", false};
  return schema;
}

CheckerConfiguration configure_module(const ConfigNode& element) {
  CheckerConfiguration out;
  const auto name = element.attribute("name").value_or("");
  if (name.empty())
    out.diagnostics.push_back(
        ConfigDiagnostic::error(element, "has no name attribute; expected name=\"MODULE\", the module to watch"));
  warn_unknown(element, {"name"}, host_checker_attributes(CheckerSection::check), {"to"}, out.diagnostics);
  const ConfigNode* to = element.child("to");
  const auto addr = to != nullptr ? to->attribute("addr").value_or("") : "";
  if (addr.empty())
    out.diagnostics.push_back(ConfigDiagnostic::error(
        to != nullptr ? *to : element, "has no <to addr=\"...\"/>; expected 127.0.0.1 for this node or the address "
                                       "of another node of cluster.xml"));
  if (to != nullptr) {
    // port and secure name the seed's web service; haven asks havend instead, and accepts them.
    warn_unknown(*to, {"addr", "port", "secure"}, host_target_attributes(), {}, out.diagnostics);
    if (auto port = to->attribute("port"); port && (port->empty() || port->find_first_not_of("0123456789") !=
                                                                         std::string::npos || port->size() > 5 ||
                                                     std::stoi(*port) < 1 || std::stoi(*port) > 65535))
      out.diagnostics.push_back(
          ConfigDiagnostic::error(*to, "has port=\"" + *port + "\", expected a TCP port from 1 to 65535", "port"));
  }
  // The seed product's resource: module.<name>_<addr>.
  if (!name.empty() && !addr.empty()) out.default_id = name + "_" + addr;
  return out;
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
  return std::make_unique<ModuleChecker>(std::move(*target), host);
}

std::string module_run(const ModuleStatusReport& report) {
  if (report.state == "STOP" || report.state == "WAIT") return "not running";
  // The agent's pid changes when the module stops and starts again through STOP; the
  // generation when it becomes primary (a stopstart of a primary, a failover); "starts", when
  // the agent tells it, at every start, a secondary's included.
  std::string run = "agent " + std::to_string(report.agent_pid);
  if (report.generation) run += ", generation " + std::to_string(*report.generation);
  if (report.starts) run += ", start " + std::to_string(*report.starts);
  return run;
}

Result<CheckResult> ModuleChecker::probe(std::chrono::milliseconds timeout) noexcept {
  auto seen = probe_run(timeout);
  if (!seen.ok()) return std::move(seen).error();
  return std::move(seen->check);
}

Result<RunCheckResult> ModuleChecker::probe_run(std::chrono::milliseconds timeout) noexcept {
  try {
    auto report = host_.module_status(target_.module, target_.addr, timeout);
    if (!report.ok()) {
      // An address that is no node's is a configuration error; anything else (havend silent,
      // a refusal) means nothing was learnt of the module's run: down.
      if (report.error().code == Errc::not_found || report.error().code == Errc::unsupported)
        return std::move(report).error();
      return RunCheckResult{{false, report.error().message},
                            "module " + target_.module + (is_loopback(target_.addr) ? " on this node" : " at " + target_.addr),
                            {}};
    }
    const std::string thing =
        "module " + target_.module + " on " + (report->node.empty() ? "this node" : "node " + report->node);
    return RunCheckResult{{module_is_up(report->state, report->substate), thing + " is " + report->state + " " +
                                                                             report->substate},
                          thing,
                          module_run(*report)};
  } catch (const std::exception& e) {
    return fail(Errc::internal, "haven.checker.module: " + std::string(e.what()));
  }
}

}  // namespace haven::checker_module
