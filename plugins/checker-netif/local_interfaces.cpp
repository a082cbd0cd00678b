#include "local_interfaces.hpp"

#include <haven/checker.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace haven::checker_netif {
namespace {

std::string numeric(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  else
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  return buf;
}

}  // namespace

Result<std::vector<InterfaceAddress>> list_interface_addresses() {
  ifaddrs* head = nullptr;
  if (::getifaddrs(&head) != 0)
    return fail(Errc::io_error, std::string("cannot list this host's interfaces (getifaddrs): ") + std::strerror(errno));
  std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> guard(head, &::freeifaddrs);
  std::vector<InterfaceAddress> out;
  for (const ifaddrs* it = head; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    const bool up = (it->ifa_flags & IFF_UP) != 0;
    const bool running = (it->ifa_flags & IFF_RUNNING) != 0;
    if (it->ifa_addr->sa_family == AF_PACKET) {
      out.push_back(InterfaceAddress{it->ifa_name, "", up, running});  // the link itself
      continue;
    }
    if (it->ifa_addr->sa_family != AF_INET && it->ifa_addr->sa_family != AF_INET6) continue;
    out.push_back(InterfaceAddress{it->ifa_name, numeric(it->ifa_addr), up, running});
  }
  return out;
}

Result<std::string> canonical_address(const std::string& text, const std::string& where) {
  in6_addr v6{};
  in_addr v4{};
  char buf[INET6_ADDRSTRLEN] = {};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return std::string(::inet_ntop(AF_INET, &v4, buf, sizeof buf));
  const std::string bare = text.size() > 2 && text.front() == '[' && text.back() == ']' ? text.substr(1, text.size() - 2) : text;
  if (::inet_pton(AF_INET6, bare.c_str(), &v6) == 1) return std::string(::inet_ntop(AF_INET6, &v6, buf, sizeof buf));
  return fail(Errc::invalid_argument, where + " has \"" + text + "\", expected a numeric IPv4 or IPv6 address");
}

std::string place_of(const ConfigNode& node) {
  std::string place = node.file.empty() ? std::string("configuration") : node.file;
  if (node.line > 0) place += ":" + std::to_string(node.line);
  return place + " <" + (node.path.empty() ? node.name : node.path) + ">";
}

Result<std::string> read_target_address(const ConfigNode& element, const std::string& attribute,
                                        const std::string& plugin) {
  const ConfigNode* to = element.name == "to" ? &element : element.child("to");
  if (to == nullptr)
    return fail(Errc::invalid_argument,
                plugin + ": " + place_of(element) + " has no <to " + attribute + "=\"...\"/>, expected one");
  auto value = to->attribute(attribute);
  if (!value || value->empty())
    return fail(Errc::invalid_argument,
                plugin + ": " + place_of(*to) + " has no " + attribute + ", expected " + attribute + "=\"<address>\"");
  return canonical_address(*value, plugin + ": " + place_of(*to) + " " + attribute);
}

std::string check_target_address(const ConfigNode& element, const std::string& attribute,
                                 std::initializer_list<std::string_view> also, std::vector<ConfigDiagnostic>& findings) {
  warn_unknown(element, {}, host_checker_attributes(CheckerSection::check), {"to"}, findings);
  const ConfigNode* to = element.child("to");
  if (to == nullptr) {
    findings.push_back(ConfigDiagnostic::error(element, "has no <to " + attribute + "=\"...\"/>, expected one"));
    return {};
  }
  std::vector<std::string_view> known(host_target_attributes());
  known.insert(known.end(), also.begin(), also.end());
  warn_unknown(*to, {attribute}, known, {}, findings);
  auto value = to->attribute(attribute);
  if (!value || value->empty()) {
    findings.push_back(
        ConfigDiagnostic::error(*to, "has no " + attribute + ", expected " + attribute + "=\"<address>\"", attribute));
    return {};
  }
  if (auto canonical = canonical_address(*value, attribute); !canonical)
    findings.push_back(ConfigDiagnostic::error(
        *to, "has \"" + *value + "\", expected a numeric IPv4 or IPv6 address", attribute));
  return *value;
}

}  // namespace haven::checker_netif
