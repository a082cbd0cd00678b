#include "vip/generated_checks.hpp"

#include <algorithm>

namespace haven::vip {

std::vector<GeneratedCheck> generated_checks(const config::VipConfig& vip, const std::vector<PlannedAddress>& plan) {
  std::vector<GeneratedCheck> out;
  auto have_intf = [&out](const std::string& name) {
    return std::any_of(out.begin(), out.end(), [&](const GeneratedCheck& c) {
      return c.element == "intf" && c.interface == name;
    });
  };
  for (std::size_t i = 0; i < vip.interfaces.size(); ++i) {
    const auto& interface = vip.interfaces[i];
    if (!interface.check) continue;
    std::vector<std::string> names;
    if (!interface.name.empty()) names.push_back(interface.name);
    for (const auto& p : plan)
      if (p.interface_index == i) names.push_back(p.assignment.interface);
    for (const auto& name : names) {
      if (have_intf(name)) continue;
      out.push_back(GeneratedCheck{"intf", name, name, "", config::FailureAction::wait,
                                   "interface_failure", interface.line});
    }
  }
  for (const auto& p : plan) {
    const auto& addr = planned_config(vip, p);
    if (!addr.check) continue;
    const auto ip = p.assignment.prefix.address.to_string();
    out.push_back(GeneratedCheck{"ip", ip, p.assignment.interface, ip,
                                 config::FailureAction::stopstart, "ip_failure", addr.line});
  }
  return out;
}

}  // namespace haven::vip
