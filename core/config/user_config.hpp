// The typed model of a module's userconfig.xml, covering the seed product's whole schema
// with its defaults. Every field holds the default when the file does not set it. Where a
// source line helps a later message, the element's line is kept (`line`, 0 if unknown).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "haven/config_node.hpp"

namespace haven::config {


enum class ServiceMode { mirror, farm, light };
enum class BootMode { on, off, auto_, ignore };
/// What a checker, errd or rule asks for. `handler` is a custom errd handler (its name is
/// in ErrdProc::handler).
enum class FailureAction { restart, stopstart, stop, noaction, wait, swap, handler };
/// When a checker or errd class is active.
enum class ActiveWhen { prim, second, both, pre, sec, custom };

const char* to_string(ServiceMode m) noexcept;
const char* to_string(FailureAction a) noexcept;
const char* to_string(ActiveWhen w) noexcept;

struct Heartbeat {
  std::string name;                   ///< the cluster.xml lan it runs on (required)
  std::string ident;                  ///< "flow": replication traffic goes on this lan
  std::optional<std::chrono::milliseconds> pulse;  ///< overrides <heart pulse>
  std::optional<std::chrono::milliseconds> timeout;
  int line = 0;
};

struct HeartConfig {
  std::optional<int> port;            ///< default 8888 + (module id - 1)
  std::chrono::milliseconds pulse{700};            ///< bare number: ms
  std::chrono::milliseconds timeout{30000};        ///< bare number: ms
  bool permanent_arp = true;
  std::vector<Heartbeat> heartbeats;
  int line = 0;
};

struct FarmConfig {
  std::optional<int> port;            ///< default 4803 + (module id - 1) * 3
  std::chrono::milliseconds pulse{100};            ///< bare number: ms
  int mlost_count = 20;
  int slost_count = 10;
  std::vector<std::string> lans;      ///< <lan name>
  int line = 0;
};

struct VirtualAddr {
  std::string addr;                   ///< required
  std::string where = "one_side_alias";  ///< one_side_alias | one_side | alias
  bool check = true;
  bool connections = false;
  std::string netmask;
  int line = 0;
};

struct VirtualInterface {
  std::string type = "vmac_directed"; ///< vmac_directed | vmac_invisible
  std::string addr;                   ///< virtual MAC
  std::vector<VirtualAddr> virtual_addrs;
  int line = 0;
};

struct VipInterface {
  bool check = true;
  bool arpreroute = false;
  std::chrono::milliseconds arpinterval{60000};    ///< bare number: s
  std::chrono::milliseconds arpelapse{1200000};    ///< bare number: s
  std::string name;                   ///< e.g. eth0; empty: the one holding the address
  std::vector<VirtualAddr> real_interface;          ///< mirror
  std::optional<VirtualInterface> virtual_interface; ///< farm
  int line = 0;
};

struct LoadBalancingHost {
  std::string name;
  std::int64_t power = 1;
};

struct LoadBalancingRule {
  std::string virtual_addr = "*";
  std::string port = "*";
  std::string proto = "tcp";          ///< tcp | udp | arp
  std::string filter = "on_addr";     ///< on_addr | on_port | on_ipid
  int line = 0;
};

struct LoadBalancingGroup {
  std::string name;
  std::vector<LoadBalancingHost> hosts;
  std::vector<LoadBalancingRule> rules;
  int line = 0;
};

struct VipConfig {
  bool tcpreset = true;
  bool scriptcontrol = false;
  std::vector<VipInterface> interfaces;
  std::vector<LoadBalancingGroup> groups;
  int line = 0;
};

struct NotReplicated {
  std::string path;                   ///< relative path, or
  std::string regexpath;              ///< ERE ("!ERE": replicate only what matches)
};

struct ReplicatedDir {
  std::string dir;                    ///< absolute path (required)
  bool read_only = false;             ///< mode="read_only"
  std::vector<std::string> tocheck;
  std::vector<NotReplicated> notreplicated;
  int line = 0;
};

enum class AsyncMode { second, none };

struct RfsConfig {
  bool acl = false;
  AsyncMode async = AsyncMode::second;
  std::chrono::milliseconds locktimeout{100000};   ///< bare number: s
  std::chrono::milliseconds sendtimeout{30000};    ///< bare number: s
  int nbrei = 6;
  int nbremconn = 1;
  std::int64_t reipacketsize = 8388608;
  std::int64_t ruzone_blocksize = 8388608;
  int namespacepolicy = 4;            ///< 0, 1, 3 or 4
  std::chrono::milliseconds reitimeout{150000};    ///< bare number: s
  bool reidetail = false;
  std::optional<std::int64_t> reiallowedbw;  ///< KB/s
  std::chrono::milliseconds syncdelta{0};          ///< bare number: m
  std::string syncat;                 ///< cron syntax
  bool scripts = false;
  std::chrono::milliseconds checktime{220000};     ///< bare number: ms
  std::chrono::milliseconds checkintv{120000};     ///< bare number: s
  std::int64_t reicommit = 0;
  std::optional<std::int64_t> packetsize;
  std::string mountoversuffix = "_For_SafeKit_Replication";
  /// haven: when the primary leaves its role and processes still hold files in a replicated
  /// directory after the forced stop, kill them (on) or only name them in the log (off). Their
  /// writes fail either way: the old mount is fenced.
  bool killholders = false;
  /// haven: the secondary keeps set-uid/set-gid bits (on) or clears them (off) in what it
  /// receives, and creates device nodes (on) or an empty file in their place (off).
  bool setid = false;
  bool devices = false;
  std::map<std::string, std::string> windows_only;  ///< iotimeout, roflags, ... as written
  std::vector<ReplicatedDir> replicated;
  std::string flow;                   ///< <flow name>; empty: the heartbeat with ident="flow"
  int line = 0;
};

struct UserVar {
  std::string name;
  std::string value;
};

struct UserSection {
  std::chrono::milliseconds nicestoptimeout{300000};   ///< bare number: s
  std::chrono::milliseconds forcestoptimeout{300000};  ///< bare number: s
  bool logging = true;                    ///< logging="userlog" (true) | "none"
  std::int64_t userlogsize = 2048;
  std::vector<UserVar> vars;              ///< exported to hooks, in document order
  int line = 0;
};

struct VirtualHostName {
  std::string name;
  std::string envfile;
  std::string when = "prim";
};

struct VhostConfig {
  std::vector<VirtualHostName> names;
  int line = 0;
};

/// A child of `<errd>`: a watch by the checker plugin that owns its element name (`<proc>`:
/// haven.checker.proc), which validates the rest of the element. The core reads the common
/// attributes only: name (the resource is <class>.<name>), action, class, start_after and
/// restart_services.
struct ErrdProc {
  std::string element = "proc";       ///< the element name, which finds the plugin
  std::string name;                   ///< required: what is watched, the resource's id
  FailureAction action = FailureAction::stopstart;
  std::string handler;                ///< when action is handler
  ActiveWhen klass = ActiveWhen::prim;
  std::string custom_class;           ///< when klass is custom
  std::string start_after;
  std::string restart_services;
  int line = 0;
};

struct ErrdConfig {
  std::chrono::milliseconds polltimer{30000};      ///< bare number: s
  std::vector<ErrdProc> procs;        ///< every child of <errd>, in document order
  int line = 0;
};

/// A child of `<check>`. `<custom>` and `<splitbrain>` are the core's own (it reads their exec
/// and arg too); any other element belongs to the checker plugin that owns its name, which
/// validates the rest of it and supplies the defaults left unset here (checks/checker_plan.hpp).
struct Checker {
  std::string element;                ///< "tcp", "custom", "splitbrain", or any plugin's element
  std::string ident;                  ///< empty when not written
  std::optional<ActiveWhen> when;     ///< unset: the default of the element's owner
  std::optional<FailureAction> action;  ///< unset: the default of the element's owner
  std::string exec;                   ///< custom, splitbrain
  std::string arg;                    ///< custom, splitbrain
  /// The first `<to>`'s interval and timeout, else the element's; bare number: s.
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds timeout{5000};
  int line = 0;
};

struct CheckConfig {
  std::vector<Checker> checkers;
  int line = 0;
};

struct FailoverConfig {
  bool extends = true;
  std::chrono::milliseconds period{5000};          ///< bare number: ms
  std::chrono::milliseconds handle_time{15000};    ///< bare number: ms
  std::string rules;                  ///< the rule text (CDATA) as written
  int line = 0;
};

struct ServiceConfig {
  ServiceMode mode = ServiceMode::mirror;  ///< required in the file
  std::string defaultprim = "alone";       ///< alone | lastprim | <node name>
  int maxloop = 3;
  std::chrono::milliseconds loop_interval{24LL * 3600 * 1000};  ///< bare number: h; 0 disables maxloop
  bool failover = true;
  BootMode boot = BootMode::ignore;
  std::chrono::milliseconds boot_delay{0};              ///< bare number: s
  bool automatic_reboot = false;
  int line = 0;
};

/// A template value the administrator must replace before the module may start.
struct Placeholder {
  std::string file;
  int line = 0;
  std::string path;       ///< "safe/service/vip/.../virtual_addr@addr"
  std::string value;      ///< as written
  std::string what;       ///< what to put instead
  std::string to_string() const;
};

/// The whole of userconfig.xml.
struct UserConfig {
  std::map<std::string, std::string> macros;  ///< <macro name value>, expanded
  ServiceConfig service;
  std::optional<HeartConfig> heart;
  std::optional<FarmConfig> farm;
  std::optional<VipConfig> vip;
  std::optional<RfsConfig> rfs;
  std::optional<UserSection> user;        ///< no <user>: no hook runs
  std::optional<VhostConfig> vhost;
  std::optional<ErrdConfig> errd;
  std::optional<CheckConfig> check;
  std::optional<FailoverConfig> failover;
  std::vector<Placeholder> placeholders;      ///< template values still to fill in
  ConfigNode document;                        ///< the whole <safe> tree, expanded, for plugins
};

}  // namespace haven::config
