#include "ping_checker.hpp"

#include <arpa/inet.h>

#include "icmp_echo.hpp"

namespace haven::checker_ping {
namespace {

bool numeric(const std::string& text) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 || ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

}  // namespace

const CheckerSchema& ping_schema() {
  static const CheckerSchema schema{"ping", CheckerSection::check, "ping", "p_", "pre", "wait", true};
  return schema;
}

namespace {

std::vector<std::string> read_ping(const ConfigNode& element, std::vector<ConfigDiagnostic>& findings) {
  std::vector<std::string> targets;
  for (const auto& child : element.children) {
    if (child.name != "to") continue;
    auto addr = child.attribute("addr");
    if (!addr || !numeric(*addr)) {
      findings.push_back(ConfigDiagnostic::error(
          child, "has addr=\"" + addr.value_or("") + "\", expected a numeric IPv4 or IPv6 address", "addr"));
      continue;
    }
    targets.push_back(*addr);
  }
  if (targets.empty() && findings.empty())
    findings.push_back(ConfigDiagnostic::error(element, "has no <to addr=\"...\"/>, expected at least one"));
  return targets;
}

}  // namespace

CheckerConfiguration configure_ping(const ConfigNode& element) {
  CheckerConfiguration out;
  (void)read_ping(element, out.diagnostics);
  warn_unknown(element, {}, host_checker_attributes(CheckerSection::check), {"to"}, out.diagnostics);
  for (const auto& child : element.children)
    if (child.name == "to") warn_unknown(child, {"addr"}, host_target_attributes(), {}, out.diagnostics);
  return out;
}

Result<std::vector<std::string>> parse_ping_targets(const ConfigNode& element) {
  std::vector<ConfigDiagnostic> findings;
  auto targets = read_ping(element, findings);
  if (!findings.empty())
    return fail(Errc::invalid_argument,
                "haven.checker.ping: " + findings.front().element_place() + " " + findings.front().message);
  return targets;
}

Result<std::unique_ptr<PingChecker>> PingChecker::from_host(HostContext& host) {
  const ConfigNode* config = host.config();
  if (config == nullptr)
    return fail(Errc::invalid_argument, "haven.checker.ping needs its <ping><to addr/></ping> element and was made without one");
  auto targets = parse_ping_targets(*config);
  if (!targets) return targets.error();
  return std::make_unique<PingChecker>(std::move(*targets));
}

Result<CheckResult> PingChecker::probe(std::chrono::milliseconds timeout) noexcept {
  try {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string answered;
    for (const auto& target : targets_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const auto outcome = echo_once(target, std::max(left, std::chrono::milliseconds(1)));
      if (outcome.timed_out)
        return CheckResult{false, "no reply from " + target + " within " + std::to_string(timeout.count()) + " ms"};
      if (!outcome.answered) return CheckResult{false, outcome.detail};
      if (!answered.empty()) answered += ", ";
      answered += target + " in " + std::to_string(outcome.round_trip.count() / 1000.0).substr(0, 5) + " ms";
    }
    return CheckResult{true, "echo answered by " + answered};
  } catch (const std::exception& e) {
    return fail(Errc::internal, std::string("haven.checker.ping probe failed: ") + e.what());
  }
}

}  // namespace haven::checker_ping
