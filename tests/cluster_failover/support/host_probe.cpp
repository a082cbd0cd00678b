#include "host_probe.hpp"

#include <signal.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace haven::netns_failover {

using namespace std::chrono_literals;

Result<std::chrono::steady_clock::time_point> kill_namespace_processes(const std::string& netns) {
  std::optional<std::chrono::steady_clock::time_point> first;
  for (int round = 0; round < 20; ++round) {
    auto pids = cluster::run_command({cluster::ip_program(), "netns", "pids", netns}, 5s);
    if (!pids.ok()) return fail(Errc::io_error, "cannot list the processes of namespace " + netns + ": " + pids.describe());
    std::istringstream in(pids.out);
    int killed = 0;
    for (pid_t pid; in >> pid;) {
      if (!first) first = std::chrono::steady_clock::now();
      killed += ::kill(pid, SIGKILL) == 0 ? 1 : 0;
    }
    if (killed == 0) return first.value_or(std::chrono::steady_clock::now());
    std::this_thread::sleep_for(20ms);
  }
  return fail(Errc::timeout, "processes are still alive in namespace " + netns + " after 20 rounds of kill -9");
}

Result<bool> host_has_address(cluster::NetnsCluster& cluster, const std::string& host, const std::string& address) {
  auto out = cluster.run(host, {"ip", "-j", "addr", "show"}, 5s);
  if (!out) return std::move(out).error();
  if (!out->ok()) return fail(Errc::io_error, "ip -j addr show on " + host + ": " + out->describe());
  auto j = nlohmann::json::parse(out->out, nullptr, false);
  if (j.is_discarded() || !j.is_array())
    return fail(Errc::parse_error, "ip -j addr show on " + host + " did not print a JSON array: " + out->out);
  for (const auto& link : j)
    for (const auto& a : link.value("addr_info", nlohmann::json::array()))
      if (a.value("local", "") == address) return true;
  return false;
}

}  // namespace haven::netns_failover
