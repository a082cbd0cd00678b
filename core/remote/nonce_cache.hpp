// The nonces of requests accepted recently, so that a captured request cannot be sent again.
//
// A request is accepted only when its timestamp is within the tolerance of the receiver's
// clock, so its nonce needs remembering only until its timestamp plus the tolerance: after
// that the timestamp check refuses it anyway. The cache is bounded; when full of nonces still
// fresh it refuses new requests (fail closed) rather than forget one that could be replayed.
// Time is passed in; no clock inside. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

namespace haven {

inline constexpr std::size_t kNonceSize = 16;
using Nonce = std::array<std::uint8_t, kNonceSize>;

class NonceCache {
 public:
  enum class Verdict { fresh, seen, full };

  NonceCache(std::int64_t tolerance_ms, std::size_t capacity) : tolerance_ms_(tolerance_ms), capacity_(capacity) {}

  /// Remembers `nonce` of a message stamped `message_ms` and says whether it is new. Forgets
  /// the nonces whose window has passed at `now_ms` first.
  Verdict admit(const Nonce& nonce, std::int64_t message_ms, std::int64_t now_ms);

  std::size_t size() const { return expiry_.size(); }

 private:
  std::int64_t tolerance_ms_;
  std::size_t capacity_;
  std::map<Nonce, std::int64_t> expiry_;
  std::set<std::pair<std::int64_t, Nonce>> by_expiry_;
};

}  // namespace haven
