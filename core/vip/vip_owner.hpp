// What a module's agent calls to hold its virtual IPs while primary, and what havend calls
// to remove those of an agent that died. An address must never outlive its owner's role.
//
// Not thread-safe: one thread (the agent's loop) owns a VipOwner. Every call works in the
// calling thread's network namespace.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "haven/result.hpp"
#include "vip/announce_schedule.hpp"
#include "vip/generated_checks.hpp"
#include "vip/vip_holder.hpp"
#include "vip/vip_plan.hpp"

namespace haven::vip {

struct VipOwnerOptions {
  std::string module;
  config::VipConfig vip;
  std::filesystem::path record_file;        ///< e.g. <run>/vips/<module>.json
  AddressResolver resolve = resolve_address;
  /// Told about what does not fail the call: a failed announcement (the address is there
  /// and clients will find it by ARP), an address removed by clean-up.
  std::function<void(const std::string&)> warn = [](const std::string&) {};
  std::function<void(const std::string&)> info = [](const std::string&) {};
};

class VipOwner final : public VipHolder {
 public:
  explicit VipOwner(VipOwnerOptions options);

  /// True when the `<vip>` has at least one mirror virtual_addr.
  bool configured() const override;

  /// Where every address would go now (reads the node's interfaces); nothing is changed.
  [[nodiscard]] Result<std::vector<PlannedAddress>> plan() const override;

  /// Adds every address: plans them all first (so nothing is added when one cannot be
  /// placed), records them durably, adds them, then sends the first announcement round.
  /// When an add fails the ones added are removed again and the error names the address.
  /// Taking again while held re-adds what is missing (idempotent). `now` starts the
  /// announcement schedule.
  [[nodiscard]] Status take(Clock::time_point now) override;

  /// Removes every address held or recorded, then the record. When one cannot be removed
  /// the record stays (havend retries from it) and the error names it.
  [[nodiscard]] Status release() override;

  /// The next time refresh() has something to send, strictly after `now`; nullopt when
  /// nothing is held or the schedule is over (see AnnounceSchedule).
  std::optional<Clock::time_point> next_refresh(Clock::time_point now) const override;

  /// Sends the announcements due at `now` (burst rounds, arpreroute refreshes) and returns
  /// how many addresses were announced. Failures go to `warn`.
  int refresh(Clock::time_point now) override;

  /// The addresses held now (empty unless take() succeeded and release() has not run).
  const std::vector<PlannedAddress>& held() const override { return held_; }

  /// The intf and ip checkers check="on" asks for, for the addresses held (or planned, when
  /// none is held yet). Empty when the plan fails.
  std::vector<GeneratedCheck> checks() const override;

 private:
  int announce_all(bool only_due, Clock::time_point now);

  VipOwnerOptions options_;
  std::vector<PlannedAddress> held_;
  std::vector<Clock::time_point> last_announced_;  // parallel to held_
  Clock::time_point takeover_{};
};

/// Removes every address recorded in `record_file`, then the record: what havend runs when a
/// module's agent died, and before a node joins, so no address outlives its owner. OK when
/// there is no record. `removed` (optional) receives a line per address removed.
[[nodiscard]] Status remove_recorded(const std::filesystem::path& record_file,
                                     const std::function<void(const std::string&)>& removed = {});

}  // namespace haven::vip
