#include "daemon/local_node_name.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <algorithm>
#include <set>

#include "common/process_environment.hpp"
#include "config/cluster_config.hpp"

namespace haven {
namespace {

// An address is this machine's when a socket can bind to it (no traffic is sent).
bool is_local_address(std::string addr) {
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&ss); ::inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    len = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss); ::inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    family = AF_INET6;
    len = sizeof(sockaddr_in6);
  } else {
    return false;  // DNS names are matched by the host name below
  }
  int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<std::string> local_node_name(const HavenPaths& paths, const std::string& flag) {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "localhost");
  const auto file = paths.cluster_config();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (!flag.empty()) return flag;
    return std::string(host);
  }
  auto cluster = config::read_cluster_config(file, process_environment());
  if (!cluster.ok()) return std::move(cluster).error();
  const auto names = cluster->node_names();
  if (!flag.empty()) {
    if (std::find(names.begin(), names.end(), flag) == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      return fail(Errc::not_found, "--node " + flag + " is not a node of " + file.string() + " (its nodes: " + known + ")");
    }
    return flag;
  }
  std::set<std::string> matches;
  for (const auto& lan : cluster->lans)
    for (const auto& node : lan.nodes)
      if (node.name == host || is_local_address(node.addr) || (!node.laddr.empty() && is_local_address(node.laddr)))
        matches.insert(node.name);
  if (matches.size() == 1) return *matches.begin();
  if (matches.empty())
    return fail(Errc::not_found, "no node of " + file.string() + " has an address on this machine (host " + host +
                                     "); pass --node NAME");
  std::string list;
  for (const auto& n : matches) list += (list.empty() ? "" : ", ") + n;
  return fail(Errc::invalid_argument, "several nodes of " + file.string() + " have an address on this machine (" + list +
                                          "); pass --node NAME to say which one this daemon is");
}

}  // namespace haven
