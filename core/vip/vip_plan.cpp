#include "vip/vip_plan.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <map>
#include <memory>

#include "vip/interface_choice.hpp"

namespace haven::vip {

Result<IpAddress> resolve_address(const std::string& addr) {
  if (auto literal = parse_ip_address(addr)) return *literal;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(addr.c_str(), nullptr, &hints, &found);
  if (rc != 0)
    return fail(Errc::not_found, "virtual_addr \"" + addr + "\" is neither an IP address nor a host name this node can "
                                     "resolve: " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  std::optional<IpAddress> best;
  for (auto* a = found; a; a = a->ai_next) {
    char text[NI_MAXHOST];
    if (::getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof(text), nullptr, 0, NI_NUMERICHOST) != 0) continue;
    auto ip = parse_ip_address(text);
    if (!ip) continue;
    if (ip->is_v4()) return *ip;
    if (!best) best = ip;
  }
  if (best) return *best;
  return fail(Errc::not_found, "virtual_addr \"" + addr + "\" resolves to no IP address");
}

const config::VirtualAddr& planned_config(const config::VipConfig& vip, const PlannedAddress& planned) {
  const auto& interface = vip.interfaces.at(planned.interface_index);
  return planned.farm ? interface.virtual_interface->virtual_addrs.at(planned.addr_index)
                      : interface.real_interface.at(planned.addr_index);
}

Result<std::vector<PlannedAddress>> plan_addresses(const config::VipConfig& vip, const std::vector<LinkInfo>& links,
                                                   const std::vector<AddressInfo>& present,
                                                   const AddressResolver& resolve) {
  std::vector<PlannedAddress> out;
  std::map<std::string, int> aliases;  // next alias number per interface
  for (std::size_t i = 0; i < vip.interfaces.size(); ++i) {
    const auto& interface = vip.interfaces[i];
    static const std::vector<config::VirtualAddr> kNone;
    const auto& farm = interface.virtual_interface ? interface.virtual_interface->virtual_addrs : kNone;
    for (const bool is_farm : {false, true}) {
      const auto& list = is_farm ? farm : interface.real_interface;
      for (std::size_t k = 0; k < list.size(); ++k) {
        const auto& addr = list[k];
        auto ip = resolve(addr.addr);
        if (!ip.ok()) return std::move(ip).error();
        // The alias number is only known once the interface is; choose, then number.
        auto chosen = choose_interface(*ip, interface, addr, links, present, 0);
        if (!chosen.ok()) return std::move(chosen).error();
        const int alias = aliases[chosen->interface]++;
        if (alias != 0) chosen = choose_interface(*ip, interface, addr, links, present, alias);
        PlannedAddress planned{i, k, is_farm, addr.addr, std::move(*chosen)};
        out.push_back(std::move(planned));
      }
    }
  }
  return out;
}

}  // namespace haven::vip
