#include <set>

#include "config/user_config_sections.hpp"

namespace haven::config {

bool is_identifier(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

ServiceConfig read_service_attributes(ElementReader& r) {
  ServiceConfig s;
  s.line = r.node().line;
  if (!r.node().attribute("mode")) {
    r.diags().error(r.node(), "<service> has no mode attribute; expected mode=\"mirror\", \"farm\" or \"light\"");
    r.accept_attribute("mode");
  } else {
    s.mode = r.choice<ServiceMode>(
        "mode", {{"mirror", ServiceMode::mirror}, {"farm", ServiceMode::farm}, {"light", ServiceMode::light}},
        ServiceMode::mirror);
  }
  if (auto d = r.text("defaultprim")) {
    if (d->empty())
      r.bad_value("defaultprim", *d, "expected alone, lastprim or the name of a node in cluster.xml");
    else
      s.defaultprim = *d;
  }
  s.maxloop = static_cast<int>(r.integer("maxloop", 3, 0, 1000000));
  s.loop_interval = r.duration("loop_interval", s.loop_interval, DurationUnit::hours);
  s.failover = r.on_off("failover", true);
  s.boot = r.choice<BootMode>(
      "boot", {{"on", BootMode::on}, {"off", BootMode::off}, {"auto", BootMode::auto_}, {"ignore", BootMode::ignore}},
      BootMode::ignore);
  s.boot_delay = r.duration("boot_delay", s.boot_delay, DurationUnit::seconds);
  s.automatic_reboot = r.on_off("automatic_reboot", false);
  if (s.mode != ServiceMode::mirror) {
    if (r.node().attribute("failover"))
      r.diags().warning(r.node(), "failover", "applies to mirror modules only; ignored in a " +
                                                  std::string(to_string(s.mode)) + " module");
    if (r.node().attribute("defaultprim"))
      r.diags().warning(r.node(), "defaultprim", "applies to mirror modules only; ignored in a " +
                                                     std::string(to_string(s.mode)) + " module");
  }
  return s;
}

HeartConfig read_heart(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  HeartConfig h;
  h.line = node.line;
  if (auto p = r.optional_integer("port", 1, 65535)) h.port = static_cast<int>(*p);
  h.pulse = r.duration("pulse", h.pulse, DurationUnit::milliseconds, kPulseBounds);
  h.timeout = r.duration("timeout", h.timeout, DurationUnit::milliseconds, kTimeoutBounds);
  h.permanent_arp = r.on_off("permanent_arp", true);
  std::set<std::string> names;
  for (const ConfigNode* hb : r.children("heartbeat")) {
    ElementReader b(*hb, diags);
    Heartbeat beat;
    beat.line = hb->line;
    auto name = b.required("name", "name=\"LAN\", a lan of cluster.xml such as \"default\"");
    beat.ident = b.text_or("ident", "");
    beat.pulse = b.optional_duration("pulse", DurationUnit::milliseconds, kPulseBounds);
    beat.timeout = b.optional_duration("timeout", DurationUnit::milliseconds, kTimeoutBounds);
    b.finish();
    if (!name) continue;
    if (!names.insert(*name).second) {
      diags.error(*hb, "name", "heartbeat on lan \"" + *name + "\" is given twice; keep one");
      continue;
    }
    beat.name = *name;
    h.heartbeats.push_back(std::move(beat));
  }
  if (h.timeout <= h.pulse)
    diags.warning(node, "timeout", "the timeout is not longer than the pulse; the peer will be declared lost "
                                   "at the first late heartbeat. Expected a timeout of several pulses");
  r.finish();
  return h;
}

FarmConfig read_farm(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  FarmConfig f;
  f.line = node.line;
  if (auto p = r.optional_integer("port", 1, 65535)) f.port = static_cast<int>(*p);
  f.pulse = r.duration("pulse", f.pulse, DurationUnit::milliseconds, kPulseBounds);
  f.mlost_count = static_cast<int>(r.integer("mlost_count", 20, 1, 100000));
  f.slost_count = static_cast<int>(r.integer("slost_count", 10, 1, 100000));
  for (const ConfigNode* lan : r.children("lan")) {
    ElementReader l(*lan, diags);
    if (auto name = l.required("name", "name=\"LAN\", a lan of cluster.xml")) f.lans.push_back(*name);
    l.finish();
  }
  r.finish();
  return f;
}

UserSection read_user(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  UserSection u;
  u.line = node.line;
  u.nicestoptimeout = r.duration("nicestoptimeout", u.nicestoptimeout, DurationUnit::seconds, kTimeoutBounds);
  u.forcestoptimeout = r.duration("forcestoptimeout", u.forcestoptimeout, DurationUnit::seconds, kTimeoutBounds);
  u.logging = r.choice<bool>("logging", {{"userlog", true}, {"none", false}}, true);
  u.userlogsize = r.integer("userlogsize", 2048, 0, 1LL << 40);
  std::set<std::string> names;
  for (const ConfigNode* v : r.children("var")) {
    ElementReader vr(*v, diags);
    auto name = vr.required("name", "name=\"VARIABLE\", the environment variable the hooks get");
    std::string value = vr.text_or("value", "");
    vr.finish();
    if (!name) continue;
    if (!is_identifier(*name)) {
      vr.bad_value("name", *name, "expected an environment variable name: letters, digits and _ (not first a digit)");
      continue;
    }
    if (!names.insert(*name).second) {
      diags.error(*v, "name", "variable \"" + *name + "\" is given twice; keep one");
      continue;
    }
    u.vars.push_back(UserVar{*name, std::move(value)});
  }
  r.finish();
  return u;
}

VhostConfig read_vhost(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  VhostConfig v;
  v.line = node.line;
  for (const ConfigNode* n : r.children("virtualhostname")) {
    ElementReader nr(*n, diags);
    VirtualHostName name;
    name.name = nr.required("name", "name=\"HOSTNAME\", the name applications see").value_or("");
    name.envfile = nr.required("envfile", "envfile=\"/path/of/the/environment/file\"").value_or("");
    name.when = nr.choice<std::string>("when", {{"prim", "prim"}, {"second", "second"}, {"both", "both"}}, "prim");
    nr.finish();
    v.names.push_back(std::move(name));
  }
  r.finish();
  return v;
}

}  // namespace haven::config
