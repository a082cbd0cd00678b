#include "config/cluster_config.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "common/atomic_file.hpp"
#include "common/log_text.hpp"
#include "config/config_tree.hpp"
#include "config/element_reader.hpp"
#include "config/macro_expansion.hpp"
#include "config/network_address.hpp"

namespace haven::config {
namespace {

// Node names travel in heartbeats and remote commands (64 bytes at most there) and reach
// log lines: a control character would forge a line, a longer name would be cut.
std::optional<std::string> node_name_problem(const std::string& name) {
  if (name.empty()) return "the node name is empty; expected 1 to 64 characters";
  if (name.size() > 64)
    return "node name of " + std::to_string(name.size()) + " bytes; expected at most 64 (heartbeats carry 64)";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      return "node name \"" + log_text(name, 80) + "\" holds a control character; expected printable characters only";
  return std::nullopt;
}

ClusterLan read_lan(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  ClusterLan lan;
  lan.line = node.line;
  lan.name = r.required("name", "name=\"LAN\", e.g. name=\"default\"").value_or("");
  lan.command = r.on_off("command", false);
  std::set<std::string> names;
  std::map<std::string, std::string> owner_of_addr;
  for (const ConfigNode* n : r.children("node")) {
    ElementReader nr(*n, diags);
    ClusterNode cn;
    cn.line = n->line;
    auto name = nr.required("name", "name=\"NODE\", the node's name");
    auto addr = nr.required("addr", "addr=\"IPv4, [IPv6] or DNS name\" of the node on this lan");
    cn.laddr = nr.text_or("laddr", "");
    nr.finish();
    if (!name || !addr) continue;
    if (auto why = node_name_problem(*name)) {
      diags.error(*n, "name", *why);
      continue;
    }
    if (auto ok = check_node_address(*addr); !ok) {
      diags.error(*n, "addr", ok.error().message);
      continue;
    }
    if (!cn.laddr.empty())
      if (auto ok = check_node_address(cn.laddr); !ok) diags.error(*n, "laddr", ok.error().message);
    if (!names.insert(*name).second) {
      diags.error(*n, "name", "node \"" + *name + "\" is listed twice on lan \"" + lan.name + "\"; keep one");
      continue;
    }
    if (auto [it, fresh] = owner_of_addr.emplace(*addr, *name); !fresh) {
      diags.error(*n, "addr", "\"" + *addr + "\" is also the address of node \"" + it->second + "\" on lan \"" +
                                  lan.name + "\"; expected one address per node");
      continue;
    }
    cn.name = *name;
    cn.addr = *addr;
    lan.nodes.push_back(std::move(cn));
  }
  if (lan.nodes.empty()) diags.error(node, "lan \"" + lan.name + "\" has no <node name=\"...\" addr=\"...\"/>");
  r.finish();
  return lan;
}

// Only the command lan must hold every node: other lans may hold a pair each, the lan a
// two-node module names in <heartbeat name> on a larger cluster (the N-1 layout).
void check_membership(const ClusterConfig& c, const ConfigNode& lans, Diagnostics& diags) {
  const ClusterLan* command = c.command_lan();
  if (!command) return;
  for (const auto& name : c.node_names())
    if (!c.address_of(name, command->name))
      diags.add(Severity::warning, command->line, lans.path + "/lan",
                "node \"" + name + "\" has no address on lan \"" + command->name +
                    "\", the command lan; commands between nodes will not reach it there (add the node to that lan)");
}

}  // namespace

std::vector<std::string> ClusterConfig::node_names() const {
  std::vector<std::string> out;
  for (const auto& lan : lans)
    for (const auto& n : lan.nodes)
      if (std::find(out.begin(), out.end(), n.name) == out.end()) out.push_back(n.name);
  return out;
}

std::optional<std::string> ClusterConfig::address_of(std::string_view node, std::string_view lan) const {
  for (const auto& l : lans) {
    if (l.name != lan) continue;
    for (const auto& n : l.nodes)
      if (n.name == node) return n.addr;
  }
  return std::nullopt;
}

const ClusterLan* ClusterConfig::command_lan() const {
  for (const auto& l : lans)
    if (l.command) return &l;
  return lans.empty() ? nullptr : &lans.front();
}

bool LoadedClusterConfig::has_errors() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

LoadedClusterConfig parse_cluster_config(std::string_view xml_text, const std::string& file_label,
                                         const std::map<std::string, std::string>& env) {
  Diagnostics diags(file_label);
  LoadedClusterConfig out;
  if (std::optional<ConfigNode> tree = read_config_tree(xml_text, "cluster", diags)) {
    expand_macros(*tree, env, diags);
    ElementReader root(*tree, diags);
    ClusterConfig c;
    const ConfigNode* lans = root.unique_child("lans");
    if (!lans) {
      diags.error(*tree, "no <lans> element; expected <cluster><lans><lan name=\"default\">...</lan></lans></cluster>");
    } else {
      ElementReader lr(*lans, diags);
      c.port = static_cast<int>(lr.integer("port", 4800, 1, 65535));
      c.pulse = lr.duration("pulse", c.pulse, DurationUnit::milliseconds, kPulseBounds);
      c.mlost_count = static_cast<int>(lr.integer("mlost_count", 20, 1, 100000));
      c.slost_count = static_cast<int>(lr.integer("slost_count", 10, 1, 100000));
      std::set<std::string> lan_names;
      const ClusterLan* command = nullptr;
      for (const ConfigNode* lan : lr.children("lan")) {
        ClusterLan l = read_lan(*lan, diags);
        if (!l.name.empty() && !lan_names.insert(l.name).second) {
          diags.error(*lan, "name", "lan \"" + l.name + "\" is defined twice; keep one");
          continue;
        }
        c.lans.push_back(std::move(l));
      }
      for (const auto& l : c.lans) {
        if (!l.command) continue;
        if (command)
          diags.add(Severity::error, l.line, lans->path + "/lan@command",
                    "lans \"" + command->name + "\" and \"" + l.name +
                        "\" both have command=\"on\"; expected at most one command lan");
        else
          command = &l;
      }
      if (c.lans.empty()) diags.error(*lans, "no <lan> element; expected at least <lan name=\"default\">");
      check_membership(c, *lans, diags);
      lr.finish();
    }
    root.finish();
    if (!diags.has_errors()) out.config = std::move(c);
  }
  out.diagnostics = diags.take();
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
  return out;
}

LoadedClusterConfig load_cluster_config(const std::filesystem::path& file,
                                        const std::map<std::string, std::string>& env) {
  auto text = read_file(file);
  if (!text) {
    LoadedClusterConfig out;
    out.diagnostics.push_back(Diagnostic{Severity::error, file.string(), 0, "",
                                         "cannot read the cluster configuration: " + text.error().message});
    return out;
  }
  return parse_cluster_config(*text, file.string(), env);
}

Result<ClusterConfig> read_cluster_config(const std::filesystem::path& file,
                                          const std::map<std::string, std::string>& env) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return fail(Errc::not_found, "there is no cluster configuration: " + file.string() +
                                     " does not exist (write cluster.xml there, the same on every node)");
  auto loaded = load_cluster_config(file, env);
  if (!loaded.config) {
    std::string errors;
    for (const auto& d : loaded.diagnostics)
      if (d.severity == Severity::error) errors += "\n  " + d.to_string();
    return fail(Errc::invalid_argument, "cannot read the cluster configuration " + file.string() + ":" + errors);
  }
  return std::move(*loaded.config);
}

}  // namespace haven::config
