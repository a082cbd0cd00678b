#include "config/user_config_sections.hpp"

namespace haven::config {
namespace {

VirtualAddr read_virtual_addr(const ConfigNode& node, bool farm_side, Diagnostics& diags) {
  ElementReader r(node, diags);
  VirtualAddr a;
  a.line = node.line;
  a.addr = r.required("addr", "addr=\"IP address or DNS name of the virtual server\"").value_or("");
  a.where = r.choice<std::string>(
      "where", {{"one_side_alias", "one_side_alias"}, {"one_side", "one_side"}, {"alias", "alias"}},
      farm_side ? "alias" : "one_side_alias");
  a.check = r.on_off("check", true);
  a.connections = r.on_off("connections", false);
  a.netmask = r.text_or("netmask", "");
  r.finish();
  return a;
}

VipInterface read_interface(const ConfigNode& node, ServiceMode mode, Diagnostics& diags) {
  ElementReader r(node, diags);
  VipInterface i;
  i.line = node.line;
  i.check = r.on_off("check", true);
  i.arpreroute = r.on_off("arpreroute", false);
  i.arpinterval = r.duration("arpinterval", i.arpinterval, DurationUnit::seconds, kIntervalBounds);
  i.arpelapse = r.duration("arpelapse", i.arpelapse, DurationUnit::seconds);
  i.name = r.text_or("name", "");
  if (const ConfigNode* real = r.unique_child("real_interface")) {
    if (mode != ServiceMode::mirror)
      diags.warning(*real, "<real_interface> is for mirror modules; a farm uses <virtual_interface>. Ignored");
    ElementReader rr(*real, diags);
    for (const ConfigNode* va : rr.children("virtual_addr")) {
      auto addr = read_virtual_addr(*va, false, diags);
      if (mode == ServiceMode::mirror) i.real_interface.push_back(std::move(addr));
    }
    rr.finish();
  }
  if (const ConfigNode* virt = r.unique_child("virtual_interface")) {
    if (mode == ServiceMode::mirror)
      diags.warning(*virt, "<virtual_interface> is for farm modules; a mirror uses <real_interface>. Ignored");
    ElementReader vr(*virt, diags);
    VirtualInterface v;
    v.line = virt->line;
    v.type = vr.choice<std::string>("type", {{"vmac_directed", "vmac_directed"}, {"vmac_invisible", "vmac_invisible"}},
                                    "vmac_directed");
    v.addr = vr.text_or("addr", "");
    for (const ConfigNode* va : vr.children("virtual_addr")) v.virtual_addrs.push_back(read_virtual_addr(*va, true, diags));
    vr.finish();
    if (mode != ServiceMode::mirror) i.virtual_interface = std::move(v);
  }
  r.finish();
  return i;
}

LoadBalancingGroup read_group(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  LoadBalancingGroup g;
  g.line = node.line;
  g.name = r.required("name", "name=\"GROUP\"").value_or("");
  if (const ConfigNode* cluster = r.unique_child("cluster")) {
    ElementReader cr(*cluster, diags);
    for (const ConfigNode* host : cr.children("host")) {
      ElementReader hr(*host, diags);
      LoadBalancingHost h;
      h.name = hr.required("name", "name=\"NODE\", a node of cluster.xml").value_or("");
      h.power = hr.integer("power", 1, 0, 1LL << 40);
      hr.finish();
      g.hosts.push_back(std::move(h));
    }
    cr.finish();
  }
  for (const ConfigNode* rule : r.children("rule")) {
    ElementReader rr(*rule, diags);
    LoadBalancingRule lr;
    lr.line = rule->line;
    lr.virtual_addr = rr.text_or("virtual_addr", "*");
    lr.port = rr.text_or("port", "*");
    lr.proto = rr.choice<std::string>("proto", {{"tcp", "tcp"}, {"udp", "udp"}, {"arp", "arp"}}, "tcp");
    lr.filter = rr.choice<std::string>("filter", {{"on_addr", "on_addr"}, {"on_port", "on_port"}, {"on_ipid", "on_ipid"}},
                                       "on_addr");
    rr.finish();
    g.rules.push_back(std::move(lr));
  }
  r.finish();
  return g;
}

}  // namespace

VipConfig read_vip(const ConfigNode& node, ServiceMode mode, Diagnostics& diags) {
  ElementReader r(node, diags);
  VipConfig v;
  v.line = node.line;
  v.tcpreset = r.on_off("tcpreset", true);
  v.scriptcontrol = r.on_off("scriptcontrol", false);
  if (const ConfigNode* list = r.unique_child("interface_list")) {
    ElementReader lr(*list, diags);
    for (const ConfigNode* i : lr.children("interface")) v.interfaces.push_back(read_interface(*i, mode, diags));
    lr.finish();
  }
  if (const ConfigNode* list = r.unique_child("loadbalancing_list")) {
    ElementReader lr(*list, diags);
    for (const ConfigNode* g : lr.children("group")) v.groups.push_back(read_group(*g, diags));
    lr.finish();
  }
  r.finish();
  return v;
}

}  // namespace haven::config
