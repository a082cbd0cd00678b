#include "partition_rules.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

namespace haven::cluster {
namespace {

// "table X" creates the table when missing, so the delete that follows never fails: the
// whole script replaces whatever was there, atomically.
std::string reset_table() {
  return fmt::format("table bridge {0}\ndelete table bridge {0}\n", kPartitionTable);
}

std::string port_set(const Layout& layout, const std::vector<std::string>& hosts) {
  std::string set;
  for (const auto& name : hosts)
    for (const auto& link : layout.find(name)->links) set += (set.empty() ? "\"" : ", \"") + link.switch_port + "\"";
  return "{ " + set + " }";
}

}  // namespace

Result<std::string> partition_script(const Layout& layout, const std::vector<std::vector<std::string>>& groups) {
  std::vector<std::vector<std::string>> all;
  std::set<std::string> named;
  for (const auto& group : groups) {
    std::vector<std::string> members;
    for (const auto& host : group) {
      if (!layout.find(host))
        return fail(Errc::invalid_argument,
                    fmt::format("partition of cluster '{}': no host called '{}' (expected node1..N or client1..M)",
                                layout.name, host));
      if (!named.insert(host).second)
        return fail(Errc::invalid_argument,
                    fmt::format("partition of cluster '{}': host '{}' is named in two groups, expected once",
                                layout.name, host));
      members.push_back(host);
    }
    if (!members.empty()) all.push_back(std::move(members));
  }
  for (const auto& host : layout.hosts)
    if (!named.count(host.name)) all.push_back({host.name});

  std::string script = reset_table();
  script += fmt::format("table bridge {} {{\n  chain forward {{\n", kPartitionTable);
  script += "    type filter hook forward priority 0; policy accept;\n";
  for (size_t i = 0; i < all.size(); ++i)
    for (size_t j = 0; j < all.size(); ++j)
      if (i != j)
        script += fmt::format("    iifname {} oifname {} drop\n", port_set(layout, all[i]), port_set(layout, all[j]));
  script += "  }\n}\n";
  return script;
}

std::string heal_script() { return reset_table(); }

}  // namespace haven::cluster
