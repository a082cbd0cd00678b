#include "proc_checker.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "process_table.hpp"

extern char** environ;

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
  return std::make_unique<ProcChecker>(std::move(*rule), service && (*service == "yes" || *service == "on"));
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

// systemctl answers in milliseconds, but a hung systemd must not hang the checker.
Result<CheckResult> ProcChecker::probe_service(std::chrono::milliseconds timeout) {
  const std::string unit = rule_.name;
  const char* argv[] = {"systemctl", "is-active", "--quiet", unit.c_str(), nullptr};
  pid_t pid = -1;
  if (int rc = ::posix_spawnp(&pid, "systemctl", nullptr, nullptr, const_cast<char**>(argv), environ); rc != 0)
    return fail(Errc::io_error, "haven.checker.proc: cannot run systemctl for service " + unit + ": " + std::strerror(rc));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR)
      return fail(Errc::io_error, "haven.checker.proc: lost systemctl for service " + unit + ": " + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return CheckResult{false, "systemctl did not say within " + std::to_string(timeout.count()) +
                                    " ms whether service " + unit + " is active"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool active = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return CheckResult{active, "service " + unit + (active ? " is active" : " is not active")};
}

}  // namespace haven::checker_proc
