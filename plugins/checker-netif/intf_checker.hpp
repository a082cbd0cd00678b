// haven.checker.intf: up while an interface is up with a carrier: the one holding a local
// address, or one named (the form a `<vip><interface check="on">` generates).
//   <intf ident="lan"><to local_addr="198.51.100.1"/></intf>
//   <intf ident="eth0"><to interface="eth0"/></intf>
// A pulled cable (no carrier) or an interface set down makes it down; the built-in rule
// interface_failure then holds the module in WAIT until the link is back.
#pragma once

#include <memory>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

#include "local_interfaces.hpp"

namespace haven::checker_netif {

/// What haven.checker.intf owns: `<check><intf>`, resources intf.<ident> or intf.<local_addr>,
/// no generated rule (the built-in interface_failure waits), when="pre", action="wait".
const CheckerSchema& intf_schema();

/// Validates an `<intf>` element: a `<to local_addr/>` with a numeric address (or a
/// `<to interface/>` naming the interface), which names the resource when there is no ident.
CheckerConfiguration configure_intf(const ConfigNode& element);

class IntfChecker final : public Checker {
 public:
  /// Watches the interface holding `local_address`, or, with `by_name`, the interface named so.
  explicit IntfChecker(std::string local_address, bool by_name = false)
      : local_address_(std::move(local_address)), by_name_(by_name) {}
  static Result<std::unique_ptr<IntfChecker>> from_host(HostContext& host);
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

  /// The verdict for a given list of addresses (pure, for tests).
  static CheckResult judge(const std::string& local_address, const std::vector<InterfaceAddress>& addresses);
  /// The verdict for an interface named `name`.
  static CheckResult judge_named(const std::string& name, const std::vector<InterfaceAddress>& addresses);

 private:
  std::string local_address_;
  bool by_name_ = false;
};

}  // namespace haven::checker_netif
