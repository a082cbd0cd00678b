// What a module's agent asks of whatever holds its virtual IPs: VipOwner on a real node, a
// fake in the executor's tests (AgentOptions::make_vips). Called from the agent's loop only.
#pragma once

#include <optional>
#include <vector>

#include "haven/result.hpp"
#include "vip/announce_schedule.hpp"
#include "vip/generated_checks.hpp"
#include "vip/vip_plan.hpp"

namespace haven::vip {

class VipHolder {
 public:
  virtual ~VipHolder() = default;

  /// True when the module has an address for this holder to take.
  virtual bool configured() const = 0;
  /// Where every address would go now; nothing is changed.
  [[nodiscard]] virtual Result<std::vector<PlannedAddress>> plan() const = 0;
  /// Adds every address (all or none), announcement schedule starting at `now`; idempotent.
  [[nodiscard]] virtual Status take(Clock::time_point now) = 0;
  /// Removes every address held or recorded.
  [[nodiscard]] virtual Status release() = 0;
  /// When refresh() next has something to send, strictly after `now`; nullopt: nothing.
  virtual std::optional<Clock::time_point> next_refresh(Clock::time_point now) const = 0;
  /// Sends the announcements due at `now`; how many addresses were announced.
  virtual int refresh(Clock::time_point now) = 0;
  /// The addresses held now.
  virtual const std::vector<PlannedAddress>& held() const = 0;
  /// The intf and ip checkers check="on" asks for.
  virtual std::vector<GeneratedCheck> checks() const = 0;
};

}  // namespace haven::vip
