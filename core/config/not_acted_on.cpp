#include "config/not_acted_on.hpp"

#include <string>

namespace haven::config {
namespace {

// What the agent does not act on yet. <vip>, <rfs>, <check>, <errd>, <failover> and
// defaultprim are acted on (virtual IPs, replication, checkers, rules, the mirror's choice).
constexpr NotActedOn kNotActedOn[] = {
    {"safe/service@mode", "mirror"},
    {"safe/service@boot", ""},
    {"safe/service@boot_delay", ""},
    {"safe/service@automatic_reboot", ""},
    {"safe/service/heart@permanent_arp", ""},
    {"safe/service/heart/heartbeat@pulse", ""},
    {"safe/service/heart/heartbeat@timeout", ""},
    {"safe/service/farm", ""},
    {"safe/service/vhost", ""},
    {"safe/service/user@userlogsize", ""},
};

constexpr std::string_view kMessage = "accepted, but this version of haven does not act on it yet";

bool is_acted_value(std::string_view acted, std::string_view value) {
  while (!acted.empty()) {
    const auto bar = acted.find('|');
    if (acted.substr(0, bar) == value) return true;
    if (bar == std::string_view::npos) break;
    acted.remove_prefix(bar + 1);
  }
  return false;
}

void visit(const ConfigNode& node, Diagnostics& diags) {
  for (const auto& entry : kNotActedOn) {
    const auto at = entry.path.find('@');
    if (at == std::string_view::npos) {
      if (entry.path == node.path) diags.warning(node, "<" + node.name + ">: " + std::string(kMessage));
      continue;
    }
    if (entry.path.substr(0, at) != node.path) continue;
    const std::string attribute(entry.path.substr(at + 1));
    if (auto value = node.attribute(attribute); value && !is_acted_value(entry.acted_values, *value))
      diags.warning(node, attribute, "\"" + *value + "\" " + std::string(kMessage));
  }
  for (const auto& child : node.children) visit(child, diags);
}

}  // namespace

std::span<const NotActedOn> not_acted_on() { return kNotActedOn; }

void warn_not_acted_on(const ConfigNode& root, Diagnostics& diags) { visit(root, diags); }

}  // namespace haven::config
