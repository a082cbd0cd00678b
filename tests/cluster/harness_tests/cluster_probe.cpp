#include "cluster_probe.hpp"

#include <future>
#include <thread>
#include <sstream>

#include "namespace_cleanup.hpp"

namespace haven::cluster::test {

std::map<Probe, bool> ping_all(NetnsCluster& cluster, const std::vector<Probe>& probes,
                               std::chrono::seconds patience) {
  std::vector<std::future<bool>> pending;
  for (const auto& p : probes)
    pending.push_back(std::async(std::launch::async, [&cluster, p, patience] {
      const auto deadline = std::chrono::steady_clock::now() + patience;
      // Bounded: one try per second of patience, plus the first.
      for (long attempt = 0; attempt <= patience.count(); ++attempt) {
        const auto next_try = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        auto r = cluster.run(p.from, {"ping", "-n", "-c1", "-W1", p.address}, std::chrono::seconds(5));
        if (r.ok() && r->exit_code == 0) return true;
        if (std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_until(next_try);  // an unreachable route fails at once
      }
      return false;
    }));
  std::map<Probe, bool> results;
  for (size_t i = 0; i < probes.size(); ++i) results[probes[i]] = pending[i].get();
  return results;
}

std::string describe(const std::map<Probe, bool>& results) {
  std::string s;
  for (const auto& [p, ok] : results) s += p.from + " -> " + p.address + (ok ? ": reached\n" : ": no answer\n");
  return s;
}

std::vector<std::string> root_links() {
  auto r = run_command({ip_program(), "-o", "link", "show"}, std::chrono::seconds(5));
  std::vector<std::string> names;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    // "3: eth0@if2: <...": the name is the second field, without its @peer suffix.
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    auto name = line.substr(colon + 2, line.find(':', colon + 2) - colon - 2);
    names.push_back(name.substr(0, name.find('@')));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> namespaces_of(pid_t owner) {
  const std::string prefix = std::string(kNamespacePrefix) + std::to_string(owner) + "-";
  std::vector<std::string> names;
  for (const auto& ns : list_namespaces())
    if (ns.rfind(prefix, 0) == 0) names.push_back(ns);
  return names;
}

std::string read_in_host(NetnsCluster& cluster, const std::string& host, const std::string& file) {
  auto r = cluster.run(host, {"cat", file}, std::chrono::seconds(5));
  if (!r.ok()) return "<" + r.error().message + ">";
  std::string text = r->out;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace haven::cluster::test
