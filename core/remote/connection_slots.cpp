#include "remote/connection_slots.hpp"

namespace haven {

std::optional<std::string> ConnectionSlots::take(const std::string& peer) {
  if (active_ >= max_total_) return std::to_string(max_total_) + " connections in progress";
  auto it = per_source_.find(peer);
  if (it != per_source_.end() && it->second >= max_per_source_)
    return std::to_string(max_per_source_) + " connections from that address in progress";
  if (max_per_source_ <= 0) return "no connection from any address is allowed";
  ++active_;
  ++per_source_[peer];
  return std::nullopt;
}

void ConnectionSlots::give_back(const std::string& peer) {
  auto it = per_source_.find(peer);
  if (it == per_source_.end()) return;
  --active_;
  if (--it->second <= 0) per_source_.erase(it);
}

int ConnectionSlots::from(const std::string& peer) const {
  auto it = per_source_.find(peer);
  return it == per_source_.end() ? 0 : it->second;
}

}  // namespace haven
