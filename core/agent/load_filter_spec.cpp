#include "agent/load_filter_spec.hpp"

#include <algorithm>
#include <charconv>

namespace haven {
namespace {

Error spec_error(const std::string& module, int line, const std::string& what) {
  return fail(Errc::invalid_argument, "module " + module + ": load balancing" +
                                          (line > 0 ? " (userconfig.xml line " + std::to_string(line) + ")" : "") +
                                          ": " + what);
}

}  // namespace

std::string load_group_label(const std::string& name, std::size_t index) { return name + "_" + std::to_string(index); }

Result<load_filter::Spec> build_filter_spec(const FilterInputs& in) {
  load_filter::Spec spec;
  spec.module = in.module;
  spec.module_id = in.module_id;
  spec.node = in.node;
  if (in.vip == nullptr) return spec_error(in.module, 0, "the module has no <vip>");
  const config::VirtualInterface* virt = nullptr;
  for (const auto& p : in.planned) {
    if (!p.farm) continue;
    const auto& interface = in.vip->interfaces.at(p.interface_index);
    if (spec.interface.empty()) {
      spec.interface = p.assignment.interface;
      virt = &*interface.virtual_interface;
    } else if (spec.interface != p.assignment.interface) {
      return spec_error(in.module, interface.line,
                        "the farm's virtual addresses are on " + spec.interface + " and " + p.assignment.interface +
                            "; one load filter serves one interface: put them on one network");
    }
    spec.vips.push_back(p.assignment.prefix.address.to_string());
  }
  if (virt == nullptr) return spec_error(in.module, in.vip->line, "no <virtual_interface><virtual_addr> to balance");
  spec.mode = virt->type == "vmac_invisible" ? load_filter::MacMode::vmac_invisible : load_filter::MacMode::vmac_directed;
  spec.virtual_mac = virt->addr;
  if (!in.interface_ipv4.empty()) spec.node_ipv4 = in.interface_ipv4.front();
  if (spec.mode == load_filter::MacMode::vmac_directed && spec.node_ipv4.empty())
    return spec_error(in.module, virt->line,
                      "vmac_directed needs an IPv4 address of this node on " + spec.interface + " to forward from");

  for (std::size_t i = 0; i < in.vip->groups.size(); ++i) {
    const auto& group = in.vip->groups[i];
    load_filter::Group g;
    g.name = group.name;
    for (const auto& rule : group.rules) {
      if (rule.proto == "arp") continue;  // the MAC mode carries ARP
      load_filter::Rule r;
      r.virtual_addr = rule.virtual_addr;
      if (r.virtual_addr != "*" && std::find(spec.vips.begin(), spec.vips.end(), r.virtual_addr) == spec.vips.end())
        return spec_error(in.module, rule.line,
                          "rule virtual_addr=\"" + rule.virtual_addr + "\" is none of the farm's virtual addresses");
      if (rule.port != "*") {
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(rule.port.data(), rule.port.data() + rule.port.size(), port);
        if (ec != std::errc{} || end != rule.port.data() + rule.port.size() || port == 0 || port > 65535)
          return spec_error(in.module, rule.line, "rule port=\"" + rule.port + "\" is not a port number (1-65535) or *");
        r.port = static_cast<std::uint16_t>(port);
      }
      r.proto = rule.proto == "udp" ? load_filter::Protocol::udp : load_filter::Protocol::tcp;
      r.filter = rule.filter == "on_port"   ? load_filter::HashKey::on_port
                 : rule.filter == "on_ipid" ? load_filter::HashKey::on_ipid
                                            : load_filter::HashKey::on_addr;
      g.rules.push_back(r);
    }
    const auto deal = in.deals.find(load_group_label(group.name, i));
    if (deal != in.deals.end()) {
      g.mine = deal->second.owned;
      if (spec.arp_owner.empty() && !deal->second.members.empty()) spec.arp_owner = deal->second.members.front();
      if (spec.mode == load_filter::MacMode::vmac_directed && deal->second.members.front() == in.node)
        for (std::size_t m = 0; m < deal->second.members.size() && m < deal->second.shares.size(); ++m) {
          const auto& member = deal->second.members[m];
          if (member == in.node) continue;
          const auto address = in.peer_ipv4.find(member);
          if (address == in.peer_ipv4.end()) continue;  // unreachable by address: its clients wait for the next deal
          g.peers.push_back({member, address->second, deal->second.shares[m]});
        }
    }
    spec.groups.push_back(std::move(g));
  }
  if (spec.arp_owner.empty()) spec.arp_owner = in.node;
  return spec;
}

}  // namespace haven
