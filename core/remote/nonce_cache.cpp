#include "remote/nonce_cache.hpp"

namespace haven {

NonceCache::Verdict NonceCache::admit(const Nonce& nonce, std::int64_t message_ms, std::int64_t now_ms) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now_ms) {
    expiry_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  if (expiry_.count(nonce)) return Verdict::seen;
  if (expiry_.size() >= capacity_) return Verdict::full;
  const std::int64_t until = message_ms + tolerance_ms_;
  expiry_.emplace(nonce, until);
  by_expiry_.emplace(until, nonce);
  return Verdict::fresh;
}

}  // namespace haven
