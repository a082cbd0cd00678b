// The checkers a `<vip>` brings with it, as the seed product generates them: check="on" on
// an `<interface>` watches that interface (`intf`, rule interface_failure: wait), check="on" on
// a `<virtual_addr>` watches that the address is still here and nobody else answers for it
// (`ip`, rule ip_failure: stopstart). Data only: the checker code runs them.
#pragma once

#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "vip/vip_plan.hpp"

namespace haven::vip {

struct GeneratedCheck {
  std::string element = "intf";  ///< the checker element it stands for: intf or ip
  std::string ident;            ///< the resource is "<kind>.<ident>": intf.eth0, ip.198.51.100.50
  std::string interface;        ///< the interface watched, or holding the address
  std::string address;          ///< ip only: the address as added
  config::FailureAction action = config::FailureAction::wait;
  std::string rule;             ///< the built-in failover rule that acts on it
  int line = 0;                 ///< the userconfig element that asked for it
};

/// One intf check per `<interface check="on">` (its name, or the interface its addresses
/// were placed on; once per interface), one ip check per `<virtual_addr check="on">`.
std::vector<GeneratedCheck> generated_checks(const config::VipConfig& vip, const std::vector<PlannedAddress>& plan);

}  // namespace haven::vip
