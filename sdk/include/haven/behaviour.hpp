// haven SDK: behaviours, the pure state machines that decide what a module does.
//
// A behaviour (mirror, farm, light) is events in, actions out: it never touches a file, a
// socket or a clock. The host's agent feeds it events (an administrator's command, a
// finished hook, news of the peer, a timer) with the current time, and carries out the
// actions it returns, in order (run a hook, enter a state, save what the node knows,
// answer the command). Tests drive it the same way, in simulated time.
#pragma once

#include <bitset>
#include <chrono>
#include <cstddef>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "haven/log.hpp"
#include "haven/plugin.hpp"

namespace haven {

/// The states of a module on one node, as the seed product names them.
enum class ModuleState { stop, wait, alone, prim, second, up };

/// "STOP", "WAIT", "ALONE", "PRIM", "SECOND", "UP".
constexpr const char* to_string(ModuleState s) noexcept {
  switch (s) {
    case ModuleState::stop: return "STOP";
    case ModuleState::wait: return "WAIT";
    case ModuleState::alone: return "ALONE";
    case ModuleState::prim: return "PRIM";
    case ModuleState::second: return "SECOND";
    case ModuleState::up: return "UP";
  }
  return "STOP";
}

/// The exit code of `haven state -lq`: STOP 0, WAIT 1, ALONE/UP 2, PRIM 3, SECOND 4.
constexpr int state_exit_code(ModuleState s) noexcept {
  switch (s) {
    case ModuleState::stop: return 0;
    case ModuleState::wait: return 1;
    case ModuleState::alone: return 2;
    case ModuleState::up: return 2;
    case ModuleState::prim: return 3;
    case ModuleState::second: return 4;
  }
  return 0;
}

/// How settled a state is: Ready (green), Transient (orange: hooks running), NotReady
/// (red: stopped, or blocked until something changes).
enum class SubState { ready, transient, not_ready };

/// "Ready", "Transient", "NotReady".
constexpr const char* to_string(SubState s) noexcept {
  switch (s) {
    case SubState::ready: return "Ready";
    case SubState::transient: return "Transient";
    case SubState::not_ready: return "NotReady";
  }
  return "NotReady";
}

/// The role a node last held for a module.
enum class Role { none, prim, second };

/// "none", "prim", "second".
constexpr const char* to_string(Role r) noexcept {
  switch (r) {
    case Role::none: return "none";
    case Role::prim: return "prim";
    case Role::second: return "second";
  }
  return "none";
}

/// What a node knows about its own copy of a module's data. The host persists it
/// atomically whenever a SaveKnowledge action asks, before it carries out the next action.
struct NodeKnowledge {
  bool data_uptodate = false;    ///< this node's replicated data is known to be complete
  Role last_role = Role::none;   ///< the role held when the module last left a stable state
  std::uint64_t generation = 0;  ///< incremented each time this node becomes primary
  bool operator==(const NodeKnowledge&) const = default;
};

/// ABI 2.0: one load-balancing group of a farm (`<vip><loadbalancing_list><group>`): its
/// clients are dealt over the nodes that share it, by power.
struct LoadGroup {
  std::string name;                            ///< "FarmProto"
  std::map<std::string, std::int64_t> power;   ///< node -> power (`<cluster><host power>`); unlisted: 1
};

/// The `<service>` settings a behaviour acts on, already validated by the host.
struct ServiceSettings {
  std::string module;                  ///< module name
  std::string mode = "mirror";         ///< "mirror", "farm" or "light"
  std::string local_node;              ///< this node's name in cluster.xml
  std::string defaultprim = "alone";   ///< "alone", "lastprim" or a node name
  bool failover = true;                ///< mirror: may the secondary take over by itself
  int maxloop = 3;                     ///< detector-triggered actions allowed per interval
  std::chrono::milliseconds loop_interval = std::chrono::hours(24);  ///< 0: no limit
  bool hooks_enabled = true;           ///< false without `<user>`: no hook runs
  std::vector<LoadGroup> load_groups;  ///< ABI 2.0, farm: the load-balancing groups, in order
};

/// Administrator (or detector) commands a behaviour understands. `failover_on` and
/// `failover_off` change ServiceSettings::failover at run time (`haven failover on|off`).
/// `wait_on` (ABI 1.1): a failover rule's wait() holds the module in WAIT, its identity is the
/// rule; `wait_off`: no rule holds it any more, it may go on (neither counts against maxloop
/// nor resets it). A behaviour built for ABI 1.0 refuses both.
enum class Command {
  start, stop, forcestop, prim, primforce, second, restart, stopstart, swap, failover_on, failover_off,
  wait_on, wait_off
};

/// "start", "stop", "forcestop", "prim", "primforce", "second", "restart", "stopstart", "swap",
/// "failover on", "failover off", "wait", "wait release".
constexpr const char* to_string(Command c) noexcept {
  switch (c) {
    case Command::failover_on: return "failover on";
    case Command::failover_off: return "failover off";
    case Command::wait_on: return "wait";
    case Command::wait_off: return "wait release";
    case Command::start: return "start";
    case Command::stop: return "stop";
    case Command::forcestop: return "forcestop";
    case Command::prim: return "prim";
    case Command::primforce: return "primforce";
    case Command::second: return "second";
    case Command::restart: return "restart";
    case Command::stopstart: return "stopstart";
    case Command::swap: return "swap";
  }
  return "start";
}

/// A command reached the module. `identity` is set when a detector sent it (`-i`): such
/// commands count against maxloop; an administrator's command resets the count.
struct CommandEvent {
  Command command = Command::start;
  bool fullsync = false;
  std::string identity;
};

/// A hook asked for by RunHook has ended (or was absent, which counts as success).
struct HookFinished {
  std::string hook;        ///< the hook's name, as in RunHook
  bool ok = true;          ///< exit code 0 and not timed out
  int exit_code = 0;       ///< the script's exit code, -1 when it could not run
  bool timed_out = false;  ///< killed at its timeout
  std::string detail;      ///< why it failed, for the log
};

/// How a failed hook is told in a behaviour's reports: "timed out and was killed", "could not
/// run" or "exited with code 3", then its detail in parentheses when there is one.
inline std::string describe_failure(const HookFinished& f) {
  std::string what = f.timed_out ? "timed out and was killed"
                     : f.exit_code < 0 ? "could not run"
                                       : "exited with code " + std::to_string(f.exit_code);
  if (!f.detail.empty()) what += " (" + f.detail + ")";
  return what;
}

/// `words` joined by single spaces: a hook's arguments ("WAIT ALONE start"), a list of nodes.
inline std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

/// What the node knows of one other node of the module (ABI 2.0: one entry of a
/// Membership). `reachable = false` when all its heartbeats are lost.
struct PeerView {
  bool reachable = false;
  std::string node;
  ModuleState state = ModuleState::stop;
  SubState sub = SubState::not_ready;  ///< Transient while the peer runs hooks
  NodeKnowledge knowledge;             ///< its data, last role and generation
};

/// ABI 2.0: the module's other nodes as this node knows them, one entry per configured
/// node, in the configuration's order. Sent by the host whenever any of them changes, and
/// once after a start command; empty when the module has no other node.
struct Membership {
  std::vector<PeerView> peers;
};

/// A timer asked for by StartTimer has fired.
struct TimerFired {
  std::string name;
};

/// ABI 2.0: news of the module's replicated directories on this node while it receives a
/// primary's changes. Sent by the host; a behaviour without replication never gets it.
struct ReplicationNews {
  enum class Kind {
    in_sync,  ///< every change of the primary is here: the copy is up to date (offered again while it holds)
    behind,   ///< the primary's stream ended and the primary goes on: this copy lacks changes
  };
  Kind kind = Kind::in_sync;
};

/// Everything that can happen to a behaviour.
using Event = std::variant<CommandEvent, HookFinished, Membership, TimerFired, ReplicationNews>;

/// Which timeout bounds a hook: none for start hooks (unless configured), nicestoptimeout
/// for graceful stops, forcestoptimeout for forced ones.
enum class HookPhase { start, graceful_stop, force_stop };

/// ABI 2.0: the two ends of a module's replication: the node whose application writes sends
/// each change; the other receives and writes it into its read-only copy.
enum class ReplicaRole { sender, receiver };

/// "sender", "receiver".
constexpr const char* to_string(ReplicaRole r) noexcept { return r == ReplicaRole::sender ? "sender" : "receiver"; }

/// ABI 2.0: take the module's virtual IPs on this node. A failure fails the hook it is attached to.
struct TakeVips {};

/// ABI 2.0: release the module's virtual IPs on this node (nothing held: nothing to do).
struct ReleaseVips {};

/// ABI 2.0: start replicating the module's directories in `role` (nothing when this node
/// already holds it). A receiver becoming sender first writes every change it received: if it
/// cannot, the step fails rather than let this node go on with a copy lacking changes its old
/// sender acknowledged. A failure fails the hook it is attached to, which then does not run.
struct StartReplication {
  ReplicaRole role = ReplicaRole::sender;
  /// Receiver only, after a split brain this node lost: what it wrote alone is first moved
  /// aside into a folder of the module named with this label (the node's name), then the
  /// winner's copy comes in. Empty: nothing is kept aside.
  std::string keep_aside_label;
};

/// ABI 2.0: stop replicating, when this node holds `role` (otherwise nothing). Not `forced`:
/// only if no process holds a file in the directories (the forced stop comes next); `forced`:
/// fenced and detached whatever holds them.
struct StopReplication {
  ReplicaRole role = ReplicaRole::sender;
  bool forced = false;
};

/// ABI 2.0: this node leaves the sender's role: from now on, a write that a lost receiver
/// lacks fails for the application instead of waiting for a decision.
struct RefuseUnforwardedWrites {};

/// ABI 2.0: typed host work a behaviour attaches to a hook. The host knows what to do from
/// the step alone, never from the hook's name.
using HostStep = std::variant<TakeVips, ReleaseVips, StartReplication, StopReplication, RefuseUnforwardedWrites>;

/// Run a hook, then report it with HookFinished before anything else of this module runs.
/// The host steps around it run in list order on the hook's turn, whether the hook's file
/// exists or not (and when the module runs no hooks at all, without `<user>`).
struct RunHook {
  std::string hook;               ///< "start_prim"
  std::vector<std::string> args;  ///< e.g. {"WAIT", "ALONE", "start"} or {"force", ...}
  HookPhase phase = HookPhase::start;
  /// ABI 2.0: carried out first; the first that fails ends the turn, the hook does not run
  /// and HookFinished reports that step's failure.
  std::vector<HostStep> before;
  /// ABI 2.0: carried out once the hook succeeded; a failure turns its HookFinished into one.
  std::vector<HostStep> after_success;
  /// ABI 2.0: carried out after the hook whatever its outcome (failures are logged).
  std::vector<HostStep> after;
};

/// The module is now in this state.
struct EnterState {
  ModuleState state = ModuleState::stop;
  SubState sub = SubState::ready;
  std::string reason;  ///< why, for the log and `haven state -v`
};

/// Persist this knowledge atomically before carrying out the next action.
struct SaveKnowledge {
  NodeKnowledge knowledge;
};

/// Write a line to the module's log.
struct Report {
  LogLevel level = LogLevel::info;
  std::string message;
};

/// Answer the command that was just handled: accepted, or refused and why.
struct CommandReply {
  Command command = Command::start;
  bool accepted = true;
  std::string message;
};

/// Send TimerFired{name} after this long; a timer of the same name is replaced.
struct StartTimer {
  std::string name;
  std::chrono::milliseconds after{0};
};

/// ABI 2.0: set one of this module's resources on this node (`haven get`, failover rules),
/// as the host ("haven") sets them.
struct SetResource {
  std::string name;   ///< "rfs.uptodate"
  std::string value;  ///< "up"
};

/// ABI 2.0: buckets a load-balancing group's clients are dealt into: the hash of a client's
/// identity (address, port or IP id, per the group's rules) modulo 256.
inline constexpr std::size_t kLoadBuckets = 256;

/// ABI 2.0: this node's share of one load-balancing group from now on: the buckets whose
/// clients it serves. Replaces the group's previous deal on this node; none owned: it serves
/// none of the group's clients. Every node computes the deal from the same membership.
struct DealBuckets {
  std::string group;                        ///< "FarmProto_0": the group's name and index
  std::bitset<kLoadBuckets> owned;          ///< bucket b is served here when owned[b]
  std::vector<std::string> members;         ///< the nodes the deal shares the load between, sorted
  /// Each member's buckets, in the order of `members` (empty when `members` is): what a node
  /// that forwards other nodes' clients (vmac_directed) needs.
  std::vector<std::bitset<kLoadBuckets>> shares;
};

/// ABI 2.0: host steps with no hook around them, for a module that runs no hooks (no
/// `<user>`): carried out in order on the hooks' turn, as RunHook's would be; failures are
/// logged, nothing is reported back.
struct CarryOut {
  std::vector<HostStep> steps;
};

/// Everything a behaviour can ask the host to do.
using Action = std::variant<RunHook, EnterState, SaveKnowledge, Report, CommandReply, StartTimer, SetResource, CarryOut, DealBuckets>;

/// Monotonic time given to behaviours; tests pass any value they like.
using TimePoint = std::chrono::steady_clock::time_point;

/// ABI 2.0: how a behaviour learns of the module's other nodes, so that the host sets up only
/// what it needs.
enum class PeerDiscovery {
  none,            ///< one node (light): no heartbeats; Membership is always empty
  heartbeat_pair,  ///< the one other node on the module's heartbeat lans (mirror)
  farm_membership, ///< every node of the `<farm><lan>` networks (farm)
};

/// A module's state machine on one node. Not thread-safe: the host calls it from one thread.
class Behaviour : public PluginObject {
 public:
  /// Called once, before any event, with the module's settings and what the node
  /// persisted. The module starts in STOP.
  virtual std::vector<Action> begin(const ServiceSettings& settings, const NodeKnowledge& known,
                                    TimePoint now) = 0;

  /// Handles one event and returns the actions to carry out, in order.
  virtual std::vector<Action> handle(const Event& event, TimePoint now) = 0;

  /// The current state and sub-state.
  virtual ModuleState state() const = 0;
  virtual SubState sub_state() const = 0;

  /// What the node currently knows of its data (the last SaveKnowledge).
  virtual NodeKnowledge knowledge() const = 0;

  /// ABI 2.0: which of the module's other nodes this behaviour hears of, and how.
  virtual PeerDiscovery peer_discovery() const noexcept = 0;

  /// ABI 2.0: what the host runs after this module's agent died in `died_in` (nullopt: the
  /// record of its state was unreadable, assume the worst), so that its application does not
  /// run on without haven: the hooks in order, each bounded by its phase's timeout. The host
  /// removes the virtual IPs first and detaches the replicated directories afterwards. Called
  /// on an object that was never begun, with the module's settings; must not depend on state.
  virtual std::vector<RunHook> crash_cleanup(const ServiceSettings& settings, std::optional<ModuleState> died_in) const = 0;
};

}  // namespace haven
