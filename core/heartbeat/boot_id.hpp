// Which run of a sender a heartbeat comes from; see ReplayWindow for how it is used.
#pragma once

#include <cstdint>

#include "haven/result.hpp"

namespace haven {

/// One run of a sender (an agent process): a random nonce and the wall-clock time it started.
/// A restarted agent has a new boot; a newer start time is how a peer tells a reboot from a
/// replay of an older boot.
struct BootId {
  std::uint64_t nonce = 0;
  std::uint64_t started_unix_ms = 0;
  bool operator==(const BootId&) const = default;
};

/// A boot id for an agent starting now: a RAND_bytes nonce and `started_unix_ms` (the
/// caller's wall clock, ms since 1970 UTC). io_error when the generator has no entropy.
[[nodiscard]] Result<BootId> new_boot_id(std::uint64_t started_unix_ms);

}  // namespace haven
