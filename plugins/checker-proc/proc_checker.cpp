#include "proc_checker.hpp"

#include <unistd.h>

#include "process_table.hpp"

namespace haven::checker_proc {

const CheckerSchema& proc_schema() {
  static const CheckerSchema schema{"proc", CheckerSection::errd, "proc", "", "prim", "stopstart", false};
  return schema;
}

CheckerConfiguration configure_proc(const ConfigNode& element) {
  CheckerConfiguration out;
  out.default_id = element.attribute("name").value_or("");
  if (auto rule = parse_process_rule(element); !rule) {
    // The rule's message names the place itself; the diagnostic carries it apart.
    std::string message = rule.error().message;
    const std::string place = "haven.checker.proc: " + element.place() + " ";
    if (message.rfind(place, 0) == 0) message.erase(0, place.size());
    out.diagnostics.push_back(ConfigDiagnostic::error(element, std::move(message)));
  }
  if (auto service = element.attribute("service"); service && *service != "yes" && *service != "no" &&
                                                    *service != "on" && *service != "off")
    out.diagnostics.push_back(ConfigDiagnostic::error(
        element, "has service=\"" + *service + "\", expected yes (name is a systemd unit) or no", "service"));
  warn_unknown(element, {"service", "nameregex", "argregex", "atleast", "atmax"},
               host_checker_attributes(CheckerSection::errd), {}, out.diagnostics);
  return out;
}

Result<std::unique_ptr<ProcChecker>> ProcChecker::from_host(HostContext& host) {
  const ConfigNode* config = host.config();
  if (config == nullptr)
    return fail(Errc::invalid_argument, "haven.checker.proc needs its <proc name=\"...\"/> element and was made without one");
  auto rule = parse_process_rule(*config);
  if (!rule) return rule.error();
  const auto service = config->attribute("service");
  auto checker = std::make_unique<ProcChecker>(std::move(*rule), service && (*service == "yes" || *service == "on"));
  checker->host_ = &host;
  return checker;
}

Result<CheckResult> ProcChecker::probe(std::chrono::milliseconds timeout) noexcept {
  try {
    if (service_) return probe_service(timeout);
    auto table = read_process_table(proc_root_);
    if (!table) return table.error();
    const auto verdict = judge(rule_, count_matching(rule_, *table));
    return CheckResult{verdict.up, verdict.reason};
  } catch (const std::exception& e) {
    return fail(Errc::internal, "haven.checker.proc probe of " + rule_.name + " failed: " + e.what());
  }
}

// systemctl answers in milliseconds, but a hung systemd must not hang the checker: the host's
// process runner kills it at the timeout.
Result<CheckResult> ProcChecker::probe_service(std::chrono::milliseconds timeout) {
  const std::string unit = rule_.name;
  if (host_ == nullptr)
    return fail(Errc::unsupported, "haven.checker.proc: service " + unit + " is asked of systemctl, which needs the host's process runner");
  std::string systemctl = "/usr/bin/systemctl";
  if (::access(systemctl.c_str(), X_OK) != 0) systemctl = "/bin/systemctl";
  ProcessRequest request;
  request.argv = {systemctl, "is-active", "--quiet", unit};
  request.timeout = timeout;
  auto ran = host_->run_process(request);
  if (!ran) return fail(ran.error().code, "haven.checker.proc: cannot run systemctl for service " + unit + ": " + ran.error().message);
  if (ran->timed_out)
    return CheckResult{false, "systemctl did not say within " + std::to_string(timeout.count()) +
                                  " ms whether service " + unit + " is active"};
  const bool active = ran->exit_code == 0;
  return CheckResult{active, "service " + unit + (active ? " is active" : " is not active")};
}

}  // namespace haven::checker_proc
