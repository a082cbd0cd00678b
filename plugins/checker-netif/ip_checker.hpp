// haven.checker.ip: up while an address (a virtual IP) is configured on this host.
//   <ip ident="vip"><to addr="198.51.100.50"/></ip>
// `check="on"` on a `<virtual_addr>` generates one for each VIP; its built-in rule
// ip_failure stops and restarts the module when the address disappears.
#pragma once

#include <memory>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

#include "local_interfaces.hpp"

namespace haven::checker_netif {

/// What haven.checker.ip owns: `<check><ip>`, resources ip.<ident> or ip.<addr>, no generated
/// rule (the built-in ip_failure stopstarts), when="prim" and action="stopstart" by default.
const CheckerSchema& ip_schema();

/// Validates an `<ip>` element: a `<to addr/>` with a numeric address, which names the
/// resource when there is no ident.
CheckerConfiguration configure_ip(const ConfigNode& element);

class IpChecker final : public Checker {
 public:
  explicit IpChecker(std::string address) : address_(std::move(address)) {}
  static Result<std::unique_ptr<IpChecker>> from_host(HostContext& host);
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

  /// The verdict for a given list of addresses (pure, for tests).
  static CheckResult judge(const std::string& address, const std::vector<InterfaceAddress>& addresses);

 private:
  std::string address_;
};

}  // namespace haven::checker_netif
