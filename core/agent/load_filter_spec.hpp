// What the farm's packet filter must enforce on this node, from the module's <vip>, where
// its addresses are placed, and the behaviour's latest deals. Pure, so that the agent's
// translation from configuration to filter is tested without a network.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/user_config.hpp"
#include "haven/behaviour.hpp"
#include "haven/result.hpp"
#include "load_filter/filter_spec.hpp"
#include "vip/vip_plan.hpp"

namespace haven {

struct FilterInputs {
  std::string module;
  std::uint16_t module_id = 1;
  std::string node;                                   ///< this node
  const config::VipConfig* vip = nullptr;             ///< the module's <vip>
  std::vector<vip::PlannedAddress> planned;           ///< where its addresses go on this node
  std::vector<std::string> interface_ipv4;            ///< this node's own IPv4 addresses on the VIPs' interface
  std::map<std::string, DealBuckets> deals;           ///< by group label ("FarmProto_0"); absent: nothing dealt yet
  std::map<std::string, std::string> peer_ipv4;       ///< other nodes' IPv4 addresses on the same lan
};

/// The group label a deal carries for `<group>` number `index`: "FarmProto_0".
std::string load_group_label(const std::string& name, std::size_t index);

/// The filter spec. A group not dealt yet serves nothing here (a node that just took the
/// VIP accepts no client until the deal says which are its). Errors (invalid_argument) name
/// the module and the userconfig.xml line: no farm virtual_addr, addresses on several
/// interfaces, a rule whose virtual_addr is not one of the module's, a port that is no number,
/// vmac_directed without an IPv4 address of this node on the interface.
Result<load_filter::Spec> build_filter_spec(const FilterInputs& in);

}  // namespace haven
