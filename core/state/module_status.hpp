// One module's status on one node, as its agent reports it to `state` and havend passes it on:
// the one vocabulary of the agent (which builds it), havend (which adds its id, or answers for
// a module whose agent is not running), the CLI (`haven state`, `--json`), the host services
// (ModuleStatusReport) and, later, the web API.
//
// The JSON keys are a contract: scripts read `haven --json state`. to_json writes exactly the
// keys the agent wrote by hand before this type existed; module_status_from_json refuses a
// document that lacks one of them or holds a value of the wrong kind, naming the field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "haven/behaviour.hpp"
#include "haven/result.hpp"

namespace haven {

/// A virtual IP this node holds for the module (`vips[]`).
struct VipStatus {
  std::string address;    ///< "198.51.100.7" or "2001:db8::7"
  int prefix = 0;         ///< the prefix length on the interface
  std::string interface;  ///< where the address was added, "eth0"
  std::string label;      ///< the alias label, "eth0:hv1"; may be empty
  std::string written;    ///< the userconfig.xml addr attribute as written (literal or host name)
  bool operator==(const VipStatus&) const = default;
};

/// One of the module's resources (`resources[]`), as `haven get` also shows it.
struct ResourceStatus {
  std::string resource;       ///< "heartbeat.default", "custom.app"
  std::string value;          ///< "up", "down", "init", "unknown", "on", "off"
  std::string set_by;         ///< "haven", or the identity of whoever set it
  std::int64_t since_ms = 0;  ///< when it took that value, ms since the Unix epoch
  bool operator==(const ResourceStatus&) const = default;
};

/// One checker of the module (`checkers[]`, also the answer of `checker` and `errd`): a
/// `<check>` checker or an errd process watch ("checker", "errd"), a `<custom>` program
/// ("custom") or the `<splitbrain>` witness ("witness"). The optional fields are those of one
/// kind only, and are written only when set.
struct CheckerStatus {
  std::string resource;  ///< the resource it sets
  std::string plugin;    ///< "haven.checker.tcp"; a custom checker's program path
  std::string kind;      ///< "checker", "errd", "custom" or "witness"
  bool running = false;  ///< probing now (checkers can be turned off, and some run only when primary)
  std::string value;     ///< its resource's value, "init" before the first probe
  int line = 0;          ///< where it is declared in userconfig.xml
  std::optional<std::int64_t> interval_ms;  ///< checker, errd: the probing period
  std::optional<std::string> program;       ///< custom: the program it runs
  std::optional<std::int64_t> starts;       ///< custom: how many times the program was started
  std::optional<std::string> witnesses;     ///< witness: the witness addresses, space-separated
  std::optional<bool> probing;              ///< witness: asking the witnesses now
  std::optional<bool> holding;              ///< witness: holding back the peer's loss until they answer
  bool operator==(const CheckerStatus&) const = default;
};

/// A farm group's load share on this node (`load[]`).
struct LoadShareStatus {
  std::string group;                 ///< "FarmProto_0"
  std::uint64_t owned = 0;           ///< how many buckets this node serves
  std::uint64_t buckets = 0;         ///< how many buckets the clients are spread over (256)
  std::vector<std::string> members;  ///< the nodes sharing the load, sorted
  bool operator==(const LoadShareStatus&) const = default;
};

/// One module on one node. Two shapes share it:
/// - an agent's answer: `pid` is set, and so are uptodate, role, generation, failover, vips,
///   resources and checkers; the others when they apply;
/// - havend's entry for a module whose agent is not running: no `pid`, state STOP, and either
///   what the knowledge file says (uptodate, role, generation) or the `error` reading it.
/// havend adds `id` to both. Optional members are absent from the JSON when empty (nullopt).
struct ModuleStatus {
  std::string module;                           ///< the module's name
  std::string node;                             ///< the node that reports it
  ModuleState state = ModuleState::stop;        ///< "state"
  SubState substate = SubState::not_ready;      ///< "substate"
  std::string reason;                           ///< why it is in that state, for an administrator
  std::optional<bool> uptodate;                 ///< this node's data is known to be up to date
  std::optional<Role> role;                     ///< the role it last held
  std::optional<std::uint64_t> generation;      ///< bumped each time the module becomes primary
  std::optional<bool> failover;                 ///< `haven failover on|off`
  std::optional<std::int64_t> pid;              ///< the agent's process; absent when none runs
  std::optional<std::uint64_t> starts;          ///< bumped at each start (module checkers tell runs apart by it)
  std::optional<std::string> hook;              ///< the hook running now
  std::optional<std::vector<VipStatus>> vips;   ///< the virtual IPs this node holds
  std::optional<std::vector<LoadShareStatus>> load;  ///< a farm's shares, while dealt
  std::optional<std::vector<ResourceStatus>> resources;  ///< every resource, sorted by name
  std::optional<std::map<std::string, std::string>> peer_resources;  ///< the peer's, from its heartbeats (`remote.` in rules)
  std::optional<std::vector<CheckerStatus>> checkers;    ///< every checker, errd watch and witness
  /// The replication session's own report (ReplicationSession::state_json: role, in_sync,
  /// dirs[] with counters and reintegration progress). Kept as JSON: it is owned, written and
  /// read (cli/replication_format) by the replication code, and only passed through here.
  std::optional<nlohmann::json> replication;
  std::optional<int> id;                        ///< the module's id on this node, added by havend
  std::optional<std::string> error;             ///< havend could not read what this node knows of the module
  bool operator==(const ModuleStatus&) const = default;
};

/// The JSON object of a status, with the keys `haven --json state` has always printed.
nlohmann::json to_json(const ModuleStatus& status);
/// One element of `vips`.
nlohmann::json to_json(const VipStatus& vip);
/// One element of `resources` (and of the answer of `haven get`).
nlohmann::json to_json(const ResourceStatus& resource);
/// One element of `checkers` (and of the answer of `checker` and `errd`).
nlohmann::json to_json(const CheckerStatus& checker);
/// One element of `load`.
nlohmann::json to_json(const LoadShareStatus& share);
/// A JSON array of checkers, as the `checker` and `errd` commands answer.
nlohmann::json to_json(const std::vector<CheckerStatus>& checkers);

/// How much of a status module_status_from_json insists on.
enum class StatusFields {
  /// Every field of its shape (see ModuleStatus): what this node's havend and agents write.
  complete,
  /// Only state and substate; any other field present must still hold the right kind of value.
  /// For what a plugin is told of a module (ModuleStatusReport), possibly by another node's
  /// havend of another version, which must not turn a module checker down.
  state_only,
};

/// Reads one status. parse_error when `j` is not an object, a field is missing (see the two
/// shapes above, and `fields`) or holds the wrong kind of value; the message names the field
/// ("vips[0].prefix") and what was expected. The caller adds where the JSON came from.
[[nodiscard]] Result<ModuleStatus> module_status_from_json(const nlohmann::json& j,
                                                           StatusFields fields = StatusFields::complete);

/// Reads havend's answer to `state`: an array of complete statuses. parse_error as above,
/// naming the entry ("havend's answer to state, entry 2: the status of module web on node n2:
/// field reason is missing, expected a string").
[[nodiscard]] Result<std::vector<ModuleStatus>> module_statuses_from_json(const nlohmann::json& list);

/// "STOP" -> ModuleState::stop, ...; nullopt for any other text.
std::optional<ModuleState> module_state_from_string(std::string_view text);
/// "Ready" -> SubState::ready, ...; nullopt for any other text.
std::optional<SubState> sub_state_from_string(std::string_view text);
/// "none" / "prim" / "second"; nullopt for any other text.
std::optional<Role> role_from_name(std::string_view text);

}  // namespace haven
