#include "intf_checker.hpp"

namespace haven::checker_netif {

const CheckerSchema& intf_schema() {
  static const CheckerSchema schema{"intf", CheckerSection::check, "intf", "", "pre", "wait", false};
  return schema;
}

CheckerConfiguration configure_intf(const ConfigNode& element) {
  CheckerConfiguration out;
  // <to interface="eth0"/> is what <vip> check="on" generates: watched by name.
  if (const ConfigNode* to = element.child("to"); to != nullptr && to->attribute("interface")) {
    out.default_id = *to->attribute("interface");
    warn_unknown(element, {}, host_checker_attributes(CheckerSection::check), {"to"}, out.diagnostics);
    return out;
  }
  out.default_id = check_target_address(element, "local_addr", {"interface"}, out.diagnostics);
  return out;
}

Result<std::unique_ptr<IntfChecker>> IntfChecker::from_host(HostContext& host) {
  const ConfigNode* config = host.config();
  if (config == nullptr)
    return fail(Errc::invalid_argument,
                "haven.checker.intf needs its <intf><to local_addr/></intf> element and was made without one");
  const ConfigNode* to = config->name == "to" ? config : config->child("to");
  if (to != nullptr) {
    if (auto name = to->attribute("interface"); name && !name->empty())
      return std::make_unique<IntfChecker>(*name, true);
  }
  auto address = read_target_address(*config, "local_addr", "haven.checker.intf");
  if (!address) return address.error();
  return std::make_unique<IntfChecker>(std::move(*address));
}

CheckResult IntfChecker::judge(const std::string& local_address, const std::vector<InterfaceAddress>& addresses) {
  for (const auto& a : addresses) {
    if (a.address != local_address) continue;
    if (!a.up) return CheckResult{false, "interface " + a.interface + " of " + local_address + " is down"};
    if (!a.running) return CheckResult{false, "interface " + a.interface + " of " + local_address + " has no carrier"};
    return CheckResult{true, "interface " + a.interface + " of " + local_address + " is up with a carrier"};
  }
  return CheckResult{false, "no interface of this host holds " + local_address};
}

CheckResult IntfChecker::judge_named(const std::string& name, const std::vector<InterfaceAddress>& addresses) {
  for (const auto& a : addresses) {
    if (a.interface != name) continue;
    if (!a.up) return CheckResult{false, "interface " + name + " is down"};
    if (!a.running) return CheckResult{false, "interface " + name + " has no carrier"};
    return CheckResult{true, "interface " + name + " is up with a carrier"};
  }
  return CheckResult{false, "this host has no interface " + name};
}

Result<CheckResult> IntfChecker::probe(std::chrono::milliseconds) noexcept {
  try {
    auto addresses = list_interface_addresses();
    if (!addresses) return addresses.error();
    return by_name_ ? judge_named(local_address_, *addresses) : judge(local_address_, *addresses);
  } catch (const std::exception& e) {
    return fail(Errc::internal, "haven.checker.intf probe of " + local_address_ + " failed: " + e.what());
  }
}

}  // namespace haven::checker_netif
