// Which nodes of a farm module are present, from the pulses this node hears (docs/heartbeats.md,
// "Farm membership"). Pure: no socket, no clock (times are passed in), not thread-safe.
//
// The rule, with the seed product's names and haven's meaning:
//   - a peer is present from its first valid pulse, and again from the first after a loss;
//   - the membership's master is the first present node in name order (byte order of the
//     names), this node included;
//   - the master is lost after `mlost_count` pulse periods without a valid pulse from it on any
//     lan, any other peer after `slost_count` periods; a loss is decided at tick().
// The master's longer grace keeps the node everyone orders by from flapping out on a burst of
// lost datagrams; 100 ms x 20 / 10 gives the seed's "1 to 2 s to detect a lost node".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "haven/behaviour.hpp"

namespace haven {

/// How the tracker times losses: the pulse period and the silent periods a node is allowed.
struct MembershipRules {
  std::chrono::milliseconds pulse{100};
  int mlost_count = 20;  ///< periods of silence after which the master is lost
  int slost_count = 10;  ///< periods of silence after which any other node is lost
};

class MembershipTracker {
 public:
  /// `peers`: every other configured node, in configuration order (the order of view());
  /// `started`: when this node's membership started, for settled().
  MembershipTracker(std::string local_node, std::vector<std::string> peers, MembershipRules rules, TimePoint started);

  /// A valid pulse of `node` arrived at `now`, telling `pulse` (its state, sub-state and
  /// knowledge: to_peer_update). True when the view changed: the node became present, or its
  /// state, sub-state or knowledge differs from the last one heard. A node that is not a
  /// configured peer changes nothing (false).
  bool heard(const std::string& node, const PeerView& pulse, TimePoint now);

  /// Declares lost every present peer silent for its loss period at `now` (see loss_period).
  /// True when the view changed.
  bool tick(TimePoint now);

  /// One PeerView per configured peer, in configuration order: the last pulse heard for a
  /// present one (reachable), `reachable = false` and state STOP for the others.
  std::vector<PeerView> view() const;

  /// The present nodes, this one included, in name order.
  std::vector<std::string> present() const;

  /// The first present node in name order, this one included (so never empty).
  std::string master() const;

  /// How long `node` may stay silent now: mlost_count pulses for the master, slost_count for
  /// any other node.
  std::chrono::milliseconds loss_period(const std::string& node) const;

  /// Whether the view is worth telling the behaviour yet: every peer was heard since
  /// `started`, or one non-master loss period (slost_count pulses) has passed since, so a
  /// starting node does not take the whole load before the others had a chance to speak.
  bool settled(TimePoint now) const;

  const std::string& local_node() const { return local_; }

 private:
  struct Peer {
    PeerView last;  ///< reachable exactly while present
    std::optional<TimePoint> last_heard;
  };
  Peer* find(const std::string& node);

  std::string local_;
  MembershipRules rules_;
  TimePoint started_;
  std::vector<Peer> peers_;
};

}  // namespace haven
