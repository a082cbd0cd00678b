// How many connections the remote command server serves at once, in all and per client
// address, so that one host cannot take every slot. Pure bookkeeping, not thread-safe (the
// server holds its lock around it); fuzzed by tests/fuzz/fuzz_remote_slots.cpp.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>

namespace haven {

class ConnectionSlots {
 public:
  /// At most `max_total` connections at once, `max_per_source` of them from one address.
  ConnectionSlots(int max_total, int max_per_source) : max_total_(max_total), max_per_source_(max_per_source) {}

  /// Takes a slot for a connection from `peer`; nullopt when taken, otherwise why it is
  /// refused ("32 connections in progress", "8 connections from that address in progress").
  std::optional<std::string> take(const std::string& peer);
  /// Gives back a slot `take` gave `peer`. A peer with no slot is ignored (never below zero).
  void give_back(const std::string& peer);

  /// Connections in progress.
  int active() const { return active_; }
  /// Connections in progress from `peer`.
  int from(const std::string& peer) const;
  /// Addresses with a connection in progress: the table never keeps one that has none.
  std::size_t sources() const { return per_source_.size(); }

 private:
  int max_total_;
  int max_per_source_;
  int active_ = 0;
  std::map<std::string, int> per_source_;
};

}  // namespace haven
