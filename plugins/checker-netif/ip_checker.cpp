#include "ip_checker.hpp"

namespace haven::checker_netif {

const CheckerSchema& ip_schema() {
  static const CheckerSchema schema{"ip", CheckerSection::check, "ip", "", "prim", "stopstart", false};
  return schema;
}

CheckerConfiguration configure_ip(const ConfigNode& element) {
  CheckerConfiguration out;
  out.default_id = check_target_address(element, "addr", {}, out.diagnostics);
  return out;
}

Result<std::unique_ptr<IpChecker>> IpChecker::from_host(HostContext& host) {
  const ConfigNode* config = host.config();
  if (config == nullptr)
    return fail(Errc::invalid_argument, "haven.checker.ip needs its <ip><to addr/></ip> element and was made without one");
  auto address = read_target_address(*config, "addr", "haven.checker.ip");
  if (!address) return address.error();
  return std::make_unique<IpChecker>(std::move(*address));
}

CheckResult IpChecker::judge(const std::string& address, const std::vector<InterfaceAddress>& addresses) {
  for (const auto& a : addresses)
    if (!a.address.empty() && a.address == address) return CheckResult{true, address + " is configured on " + a.interface};
  return CheckResult{false, address + " is not configured on any interface of this host"};
}

Result<CheckResult> IpChecker::probe(std::chrono::milliseconds) noexcept {
  try {
    auto addresses = list_interface_addresses();
    if (!addresses) return addresses.error();
    return judge(address_, *addresses);
  } catch (const std::exception& e) {
    return fail(Errc::internal, "haven.checker.ip probe of " + address_ + " failed: " + e.what());
  }
}

}  // namespace haven::checker_netif
