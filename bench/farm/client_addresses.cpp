#include "client_addresses.hpp"

#include "command_runner.hpp"

namespace haven::bench {
namespace {

constexpr const char* kClient = "client1";
constexpr const char* kOwnAddress = "198.51.100.101";
constexpr const char* kUpperHalf = "198.51.100.128/25";

bool in_lower_half(const std::string& address) {
  const auto last = std::stoi(address.substr(address.rfind('.') + 1));
  return last < 128;
}

Status run_batch(cluster::NetnsCluster& cluster, const std::string& host, const std::string& commands) {
  auto found = cluster.host(host);
  if (!found) return std::move(found).error();
  const auto out = cluster::run_command(cluster::in_netns(found->netns, {cluster::ip_program(), "-batch", "-"}),
                                        std::chrono::seconds(20), commands);
  if (!out.ok())
    return fail(Errc::io_error, "adding the farm bench's client addresses and routes on " + host +
                                    " failed (expected ip -batch to accept every line): " + out.describe());
  return ok_status();
}

}  // namespace

std::vector<std::string> lan1_client_sources() {
  std::vector<std::string> out;
  for (int i = 101; i <= 126; ++i) out.push_back("198.51.100." + std::to_string(i));
  return out;
}

std::vector<std::string> wide_client_sources() {
  auto out = lan1_client_sources();
  for (int i = 129; i <= 254; ++i) out.push_back("198.51.100." + std::to_string(i));
  return out;
}

Status add_client_sources(cluster::NetnsCluster& cluster, const std::vector<std::string>& sources,
                          const std::vector<std::string>& servers) {
  std::string commands;
  bool upper = false;
  for (const auto& s : sources) {
    if (s == kOwnAddress) continue;
    upper = upper || !in_lower_half(s);
    commands += "addr add " + s + (in_lower_half(s) ? "/25" : "/32") + " dev eth0\n";
  }
  if (!commands.empty())
    if (auto st = run_batch(cluster, kClient, commands); !st) return st;
  if (upper)
    for (const auto& server : servers)
      if (auto st = run_batch(cluster, server, std::string("route add ") + kUpperHalf + " dev eth0\n"); !st) return st;
  return ok_status();
}

}  // namespace haven::bench
