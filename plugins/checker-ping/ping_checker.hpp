// haven.checker.ping: up while every `<to addr/>` answers an ICMP echo.
//   <ping ident="gateway" when="pre"><to addr="198.51.100.254"/></ping>
// Its resource is ping.<ident>; the generated rule p_<ident> waits by default.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

namespace haven::checker_ping {

/// What haven.checker.ping owns: `<check><ping>`, resources ping.<ident>, generated rule
/// p_<ident>, when="pre" and action="wait" by default, ident required.
const CheckerSchema& ping_schema();

/// Validates a `<ping>` element: at least one `<to addr/>`, every address numeric.
CheckerConfiguration configure_ping(const ConfigNode& element);

/// The numeric addresses of every `<to addr/>` of a `<ping>` element (at least one). Errors
/// name the file, line and element and what was expected.
Result<std::vector<std::string>> parse_ping_targets(const ConfigNode& element);

class PingChecker final : public Checker {
 public:
  explicit PingChecker(std::vector<std::string> targets) : targets_(std::move(targets)) {}
  static Result<std::unique_ptr<PingChecker>> from_host(HostContext& host);

  /// One echo to each target, sharing the timeout; down when any stays silent.
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

 private:
  std::vector<std::string> targets_;
};

}  // namespace haven::checker_ping
