#include "vip/interface_choice.hpp"

#include <algorithm>

namespace haven::vip {

std::string describe_interfaces(const std::vector<LinkInfo>& links, const std::vector<AddressInfo>& present) {
  std::string out;
  auto append = [&out](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  for (const auto& l : links) {
    if (l.loopback) continue;
    bool any = false;
    for (const auto& a : present)
      if (a.if_index == l.index) {
        append(l.name + " " + a.prefix.to_string());
        any = true;
      }
    if (!any) append(l.name + " (no address)");
  }
  return out.empty() ? "none but loopback" : out;
}

Result<AddressAssignment> choose_interface(const IpAddress& vip, const config::VipInterface& interface,
                                           const config::VirtualAddr& addr, const std::vector<LinkInfo>& links,
                                           const std::vector<AddressInfo>& present, int alias_index) {
  const std::string where = addr.line > 0 ? " (userconfig.xml line " + std::to_string(addr.line) + ")" : "";
  const std::string name = vip.to_string();
  auto holds_vip = [&vip](const AddressInfo& a) { return a.prefix.address != vip && a.prefix.contains(vip); };
  AddressAssignment out;
  out.prefix.address = vip;
  out.prefix.length = -1;

  if (!interface.name.empty()) {
    auto link = std::find_if(links.begin(), links.end(), [&](const LinkInfo& l) { return l.name == interface.name; });
    if (link == links.end())
      return fail(Errc::not_found, name + where + ": <interface name=\"" + interface.name +
                                       "\"> does not exist on this node; interfaces: " + describe_interfaces(links, present));
    out.interface = interface.name;
    for (const auto& a : present)
      if (a.if_index == link->index && holds_vip(a) && a.prefix.length > out.prefix.length)
        out.prefix.length = a.prefix.length;
    if (out.prefix.length < 0) out.prefix.length = host_prefix_length(vip);
  } else {
    for (const auto& a : present) {
      auto link = std::find_if(links.begin(), links.end(), [&](const LinkInfo& l) { return l.index == a.if_index; });
      if (link == links.end() || link->loopback || !holds_vip(a) || a.prefix.length <= out.prefix.length) continue;
      out.interface = link->name;
      out.prefix.length = a.prefix.length;
    }
    if (out.interface.empty())
      return fail(Errc::not_found, name + where + ": no interface has an address in its subnet; interfaces: " +
                                       describe_interfaces(links, present) +
                                       ". Give the interface an address in the virtual IP's subnet, or name it with "
                                       "<interface name=\"...\"> and set netmask on <virtual_addr>");
  }

  if (!addr.netmask.empty()) {
    auto length = parse_netmask(addr.netmask, vip);
    if (!length.ok()) return fail(Errc::invalid_argument, name + where + ": " + length.error().message);
    out.prefix.length = *length;
  }

  if (vip.is_v4() && addr.where != "one_side") {
    auto label = out.interface + ":" + std::to_string(alias_index);
    if (label.size() <= kMaxLabelLength) out.label = std::move(label);
  }
  return out;
}

}  // namespace haven::vip
