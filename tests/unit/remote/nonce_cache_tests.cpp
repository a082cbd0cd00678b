#include <catch2/catch.hpp>

#include "remote/nonce_cache.hpp"

using haven::Nonce;
using haven::NonceCache;

namespace {
Nonce nonce_of(std::uint8_t fill) {
  Nonce n;
  n.fill(fill);
  return n;
}
}  // namespace

TEST_CASE("a nonce is fresh once, then seen until its message's window has passed", "[remote][nonce]") {
  NonceCache cache(1000, 10);
  CHECK(cache.admit(nonce_of(1), 5000, 5000) == NonceCache::Verdict::fresh);
  CHECK(cache.admit(nonce_of(1), 5000, 5900) == NonceCache::Verdict::seen);
  CHECK(cache.admit(nonce_of(1), 5000, 6000) == NonceCache::Verdict::seen);
  CHECK(cache.admit(nonce_of(2), 6001, 6001) == NonceCache::Verdict::fresh);
  CHECK(cache.size() == 1);  // nonce 1 expired at 6000
}

TEST_CASE("a full cache refuses new nonces until old ones expire, never forgetting a fresh one", "[remote][nonce]") {
  NonceCache cache(1000, 2);
  CHECK(cache.admit(nonce_of(1), 0, 0) == NonceCache::Verdict::fresh);
  CHECK(cache.admit(nonce_of(2), 500, 500) == NonceCache::Verdict::fresh);
  CHECK(cache.admit(nonce_of(3), 600, 600) == NonceCache::Verdict::full);
  CHECK(cache.admit(nonce_of(1), 0, 600) == NonceCache::Verdict::seen);
  CHECK(cache.admit(nonce_of(3), 1001, 1001) == NonceCache::Verdict::fresh);
}
