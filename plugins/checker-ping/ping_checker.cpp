#include "ping_checker.hpp"

#include <arpa/inet.h>

#include "icmp_echo.hpp"

namespace haven::checker_ping {
namespace {

std::string place_of(const ConfigNode& node) {
  std::string place = node.file.empty() ? std::string("configuration") : node.file;
  if (node.line > 0) place += ":" + std::to_string(node.line);
  return place + " <" + (node.path.empty() ? node.name : node.path) + ">";
}

bool numeric(const std::string& text) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 || ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

}  // namespace

Result<std::vector<std::string>> parse_ping_targets(const ConfigNode& element) {
  std::vector<std::string> targets;
  for (const auto& child : element.children) {
    if (child.name != "to") continue;
    auto addr = child.attribute("addr");
    if (!addr || !numeric(*addr))
      return fail(Errc::invalid_argument, "haven.checker.ping: " + place_of(child) + " has addr=\"" +
                                              addr.value_or("") + "\", expected a numeric IPv4 or IPv6 address");
    targets.push_back(*addr);
  }
  if (targets.empty())
    return fail(Errc::invalid_argument,
                "haven.checker.ping: " + place_of(element) + " has no <to addr=\"...\"/>, expected at least one");
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
