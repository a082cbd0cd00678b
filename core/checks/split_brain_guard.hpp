// `<splitbrain ident exec="ping" arg="w1 w2">`: when every heartbeat with the peer is lost, the
// node first pings its witnesses. Only a node that reaches one goes on (to ALONE); a node that
// reaches none waits (rule splitbrain_failure), so two halves of a cut network never both
// become primary. If neither reaches a witness both wait and the administrator runs prim.
//
// SplitBrainGuard decides (pure, the agent's thread); WitnessProbe pings (worker threads).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/user_config.hpp"
#include "haven/behaviour.hpp"
#include "haven/result.hpp"

namespace haven::checks {

/// The identity of the hold, as a failover rule's wait() would give it: the built-in rule
/// of the same name holds the module too while splitbrain.* is down.
inline constexpr const char* kSplitBrainHold = "splitbrain_failure";

struct SplitBrainSettings {
  std::string ident;                     ///< resource splitbrain.<ident>
  std::vector<std::string> witnesses;    ///< from arg, split on blanks
  std::chrono::milliseconds timeout{5000};  ///< for every witness at once
  int line = 0;
};

/// The module's `<splitbrain>`, or nullopt when it has none. The ping timeout is the
/// checker's timeout, at most the heartbeat timeout. Errors name the line: exec other than
/// "ping", no witness.
Result<std::optional<SplitBrainSettings>> split_brain_settings(const config::UserConfig& config,
                                                               std::chrono::milliseconds heartbeat_timeout);

/// What the witnesses said.
struct WitnessAnswer {
  bool reached = false;
  std::string detail;  ///< "198.51.100.9 answered in 1 ms" or each witness's failure
};

/// What the agent must do, in this order: log, set the resources, release the hold (wait_off),
/// take the hold (wait_on kSplitBrainHold), then hand the kept update to the behaviour.
struct SplitBrainSteps {
  std::vector<std::pair<LogLevel, std::string>> log;
  std::vector<std::pair<std::string, std::string>> resources;
  bool release = false;
  bool hold = false;
  std::optional<PeerView> deliver;
};

class SplitBrainGuard {
 public:
  explicit SplitBrainGuard(SplitBrainSettings settings);

  /// What to do with one PeerView.
  struct Seen {
    bool keep = false;                 ///< true: do not hand `update` on now (steps.deliver will)
    std::optional<std::uint64_t> ask;  ///< ping the witnesses now, for this round
    SplitBrainSteps steps;
  };
  /// Every update of the peer link. `peer_was_reachable`: the last update handed on said so;
  /// `module_running`: not STOP (a stopped module only remembers the peer).
  Seen on_peer_update(const PeerView& update, bool peer_was_reachable, bool module_running);

  /// The witnesses' answer to round `round` (stale rounds are ignored).
  SplitBrainSteps on_witness_answer(std::uint64_t round, const WitnessAnswer& answer);

  /// The administrator's prim or primforce: they decide which side goes on, so the hold ends
  /// (and splitbrain.* stop reading down, or the built-in rule would hold it again).
  SplitBrainSteps release_for_administrator(const std::string& command);

  bool holding() const { return held_; }
  bool probing() const { return probing_; }
  const SplitBrainSettings& settings() const { return settings_; }
  std::string resource() const { return "splitbrain." + settings_.ident; }

 private:
  SplitBrainSettings settings_;
  std::uint64_t round_ = 0;
  bool probing_ = false;
  bool held_ = false;  // wait_on was asked and not yet released
  std::optional<PeerView> kept_;
};

/// Pings the witnesses, all at once, off the agent's thread.
class WitnessProbe {
 public:
  /// One witness, within `timeout`: true when it answered; `detail` says how or why not.
  using Pinger = std::function<bool(const std::string& witness, std::chrono::milliseconds timeout, std::string& detail)>;
  using Done = std::function<void(std::uint64_t round, const WitnessAnswer& answer)>;

  explicit WitnessProbe(Pinger pinger) : pinger_(std::move(pinger)) {}
  ~WitnessProbe();
  WitnessProbe(const WitnessProbe&) = delete;
  WitnessProbe& operator=(const WitnessProbe&) = delete;

  /// Pings every witness in parallel and calls `done` once, from a worker thread, within
  /// about `timeout`: reached as soon as all have answered or failed, if any answered.
  void ask(std::uint64_t round, const std::vector<std::string>& witnesses, std::chrono::milliseconds timeout, Done done);

 private:
  struct Job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  Pinger pinger_;
  std::list<Job> jobs_;
};

}  // namespace haven::checks
