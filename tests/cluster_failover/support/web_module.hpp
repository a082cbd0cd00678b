// The mirror module of the failover tests and bench: a virtual IP on lan1 and hooks that
// start a small web server (python3 -m http.server on port 80, all addresses) on the primary,
// serving one page that names the node ("served by node1"), and stop it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace haven::netns_failover {

inline constexpr const char* kWebModule = "web";
inline constexpr int kWebPort = 80;

struct WebModuleSettings {
  std::string vip;                  ///< IPv4 literal on lan1, e.g. 198.51.100.50
  std::string pulse = "100ms";
  std::string timeout = "500ms";
  int lans = 2;                     ///< heartbeats on cluster.xml lans "default" (lan1) and "lan2"
  bool vip_check = true;            ///< <interface check="on">: generated intf and ip checkers
  std::string failover = "<failover period=\"100ms\" handle_time=\"300ms\"/>";
  /// More <service> children: a <check> with a <splitbrain> witness goes here.
  std::string service_children;
};

/// conf/userconfig.xml of the module.
std::string web_userconfig(const WebModuleSettings& settings);

/// bin/ of the module: every hook records its call in $SAFEUSERVAR/record (as the
/// integration tests' hooks do); start_prim starts the web server and waits until it
/// answers, stop_prim stops it.
std::map<std::string, std::string> web_hooks(int port = kWebPort);

/// A farm module of `nodes` nodes (node1..nodeN, equal power unless `powers` says), the
/// same web server on every UP node behind `vip` (vmac_invisible), load dealt by source address.
struct FarmWebSettings {
  std::string vip;
  int nodes = 3;
  std::vector<int> powers;            ///< power of node i at [i - 1]; empty: 1 each
  std::string pulse = "100ms";
  int mlost_count = 10;
  int slost_count = 5;
  std::string filter = "on_addr";
  std::string virtual_mac;            ///< <virtual_interface addr>; empty: derived by haven
  std::string service_children;       ///< more <service> children (<check>, <failover>)
};
std::string farm_web_userconfig(const FarmWebSettings& settings);
/// start_both starts the web server (as web_hooks' start_prim), stop_both stops it.
std::map<std::string, std::string> farm_web_hooks();

/// The page a node serves: "served by <node>".
std::string served_by(const std::string& node);

}  // namespace haven::netns_failover
