// haven.checker.intf: up while the interface holding a local address is up with a carrier.
//   <intf ident="lan"><to local_addr="198.51.100.1"/></intf>
// A pulled cable (no carrier) or an interface set down makes it down; the built-in rule
// interface_failure then holds the module in WAIT until the link is back.
#pragma once

#include <memory>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

#include "local_interfaces.hpp"

namespace haven::checker_netif {

class IntfChecker final : public Checker {
 public:
  explicit IntfChecker(std::string local_address) : local_address_(std::move(local_address)) {}
  static Result<std::unique_ptr<IntfChecker>> from_host(HostContext& host);
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

  /// The verdict for a given list of addresses (pure, for tests).
  static CheckResult judge(const std::string& local_address, const std::vector<InterfaceAddress>& addresses);

 private:
  std::string local_address_;
};

}  // namespace haven::checker_netif
