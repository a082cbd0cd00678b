#include "heartbeat/membership_tracker.hpp"

#include <algorithm>

namespace haven {
namespace {

bool same_news(const PeerView& a, const PeerView& b) {
  return a.reachable == b.reachable && a.state == b.state && a.sub == b.sub && a.knowledge == b.knowledge;
}

PeerView absent(const std::string& node) {
  PeerView view;
  view.reachable = false;
  view.node = node;
  return view;
}

}  // namespace

MembershipTracker::MembershipTracker(std::string local_node, std::vector<std::string> peers, MembershipRules rules,
                                     TimePoint started)
    : local_(std::move(local_node)), rules_(rules), started_(started) {
  for (auto& node : peers) {
    if (node == local_ || find(node) != nullptr) continue;
    peers_.push_back(Peer{absent(node), std::nullopt});
  }
}

MembershipTracker::Peer* MembershipTracker::find(const std::string& node) {
  auto it = std::find_if(peers_.begin(), peers_.end(), [&](const Peer& p) { return p.last.node == node; });
  return it == peers_.end() ? nullptr : &*it;
}

bool MembershipTracker::heard(const std::string& node, const PeerView& pulse, TimePoint now) {
  Peer* peer = find(node);
  if (peer == nullptr) return false;
  peer->last_heard = now;
  PeerView update = pulse;
  update.reachable = true;
  update.node = node;
  const bool changed = !same_news(peer->last, update);
  peer->last = std::move(update);
  return changed;
}

bool MembershipTracker::tick(TimePoint now) {
  // The master is decided before anyone is dropped: a tick that loses the master and another
  // node judges each by the role it had while both were present.
  const std::string leader = master();
  bool changed = false;
  for (auto& peer : peers_) {
    if (!peer.last.reachable || !peer.last_heard) continue;
    const auto allowed = peer.last.node == leader ? rules_.mlost_count : rules_.slost_count;
    if (now - *peer.last_heard < rules_.pulse * allowed) continue;
    peer.last = absent(peer.last.node);
    changed = true;
  }
  return changed;
}

std::vector<PeerView> MembershipTracker::view() const {
  std::vector<PeerView> out;
  out.reserve(peers_.size());
  for (const auto& peer : peers_) out.push_back(peer.last);
  return out;
}

std::vector<std::string> MembershipTracker::present() const {
  std::vector<std::string> out{local_};
  for (const auto& peer : peers_)
    if (peer.last.reachable) out.push_back(peer.last.node);
  std::sort(out.begin(), out.end());
  return out;
}

std::string MembershipTracker::master() const { return present().front(); }

std::chrono::milliseconds MembershipTracker::loss_period(const std::string& node) const {
  return rules_.pulse * (node == master() ? rules_.mlost_count : rules_.slost_count);
}

bool MembershipTracker::settled(TimePoint now) const {
  const bool all_heard = std::all_of(peers_.begin(), peers_.end(), [&](const Peer& p) {
    return p.last_heard && *p.last_heard >= started_;
  });
  return all_heard || now - started_ >= rules_.pulse * rules_.slost_count;
}

}  // namespace haven
