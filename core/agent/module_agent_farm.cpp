// The agent's side of a farm: the membership link that tells the behaviour which nodes share
// the load, and this node's share of each load-balancing group as the behaviour deals it.
#include "agent/module_agent.hpp"

#include <algorithm>

#include "agent/load_filter_spec.hpp"
#include "common/log_text.hpp"
#include "common/module_log.hpp"
#include "load_filter/load_filter.hpp"
#include "module_store/module_store.hpp"
#include "vip/netlink_addresses.hpp"

namespace haven {

Status ModuleAgent::open_membership() {
  if (!setup_.membership) return ok_status();
  auto link = MembershipLink::open(
      io_, *setup_.membership, [this] { return local_status(); },
      [this](const std::vector<PeerView>& view) {
        membership_known_ = true;
        feed(Membership{view});  // in STOP the machine only remembers it, for the next command
        maybe_exit();
      },
      [this](LogLevel level, const std::string& msg) { log_->log(to_spdlog(level), "{}", msg); });
  if (!link.ok()) return std::move(link).error();
  membership_ = std::move(*link);
  membership_->start();
  std::vector<std::string> peers;
  for (const auto& lan : setup_.membership->lans)
    for (const auto& [node, endpoint] : lan.peers)
      if (std::find(peers.begin(), peers.end(), node) == peers.end()) peers.push_back(node);
  log_->info("farm membership with {} every {} ms on port {}, a node lost after {} pulses ({} for the master)",
             peers.empty() ? std::string("no other node") : join_words(peers), setup_.membership->pulse.count(),
             setup_.membership->lans.empty() ? 0 : setup_.membership->lans.front().local.port(),
             setup_.membership->slost_count, setup_.membership->mlost_count);
  return ok_status();
}

void ModuleAgent::apply_deal(const DealBuckets& deal) {
  auto& share = load_shares_[deal.group];
  share = deal;
  // Failover rules read whether this node serves the group; the share itself is in `haven state`.
  set_host_resource("farm." + deal.group, deal.owned.any() ? "up" : "down");
  if (auto st = load_filter_apply(); !st.ok()) log_->error("{}", st.error().message);
}

bool ModuleAgent::balances_load() const {
  if (!vip_config_ || vip_config_->groups.empty()) return false;
  return std::any_of(vip_config_->interfaces.begin(), vip_config_->interfaces.end(), [](const config::VipInterface& i) {
    return i.virtual_interface && !i.virtual_interface->virtual_addrs.empty();
  });
}

Result<FilterInputs> ModuleAgent::load_filter_inputs() const {
  FilterInputs in;
  in.module = options_.module;
  in.node = options_.node;
  in.vip = &*vip_config_;
  if (setup_.membership) {
    in.module_id = setup_.membership->module_id;
  } else if (auto entry = ModuleStore(options_.paths).find(options_.module); entry.ok()) {
    in.module_id = static_cast<std::uint16_t>(entry->id);
  }
  auto planned = vips_->plan();
  if (!planned.ok()) return fail(planned.error().code, "module " + options_.module + ": " + planned.error().message);
  in.planned = std::move(*planned);
  auto netlink = vip::NetlinkAddresses::open();
  if (!netlink.ok()) return std::move(netlink).error();
  auto addresses = netlink->addresses();
  if (!addresses.ok()) return std::move(addresses).error();
  std::string interface;
  for (const auto& p : in.planned)
    if (p.farm) interface = p.assignment.interface;
  for (const auto& a : *addresses) {
    if (a.interface != interface || !a.prefix.address.is_v4()) continue;
    const auto text = a.prefix.address.to_string();
    const bool virtual_address = std::any_of(in.planned.begin(), in.planned.end(), [&](const vip::PlannedAddress& p) {
      return p.assignment.prefix.address.to_string() == text;
    });
    if (!virtual_address) in.interface_ipv4.push_back(text);
  }
  // The peers' addresses on the lan whose address this node has on that interface.
  if (setup_.membership)
    for (const auto& lan : setup_.membership->lans) {
      const auto local = lan.local.address().to_string();
      if (std::find(in.interface_ipv4.begin(), in.interface_ipv4.end(), local) == in.interface_ipv4.end()) continue;
      std::rotate(in.interface_ipv4.begin(), std::find(in.interface_ipv4.begin(), in.interface_ipv4.end(), local),
                  in.interface_ipv4.end());
      for (const auto& [node, endpoint] : lan.peers)
        if (endpoint.address().is_v4()) in.peer_ipv4.emplace(node, endpoint.address().to_string());
      break;
    }
  return in;
}

Status ModuleAgent::load_filter_apply() {
  if (!balances_load() || !vips_) return ok_status();
  // Where the addresses go and this node's own addresses are found once per VIP holding, not
  // at every re-deal: release_vips and load_filter_remove forget them.
  if (!filter_inputs_) {
    auto inputs = load_filter_inputs();
    if (!inputs.ok()) return std::move(inputs).error();
    filter_inputs_ = std::move(*inputs);
  }
  FilterInputs in = *filter_inputs_;
  in.deals = load_shares_;
  auto spec = build_filter_spec(in);
  if (!spec.ok()) return std::move(spec).error();
  if (auto st = load_filter::apply(*spec); !st.ok()) return st;
  if (!load_filter_installed_)
    log_->info("load filter installed on {} for {} ({} mode)", spec->interface, join_words(spec->vips),
               spec->mode == load_filter::MacMode::vmac_invisible ? "vmac_invisible" : "vmac_directed");
  load_filter_installed_ = true;
  return ok_status();
}

void ModuleAgent::load_filter_remove() {
  load_shares_.clear();
  filter_inputs_.reset();
  if (!balances_load()) return;
  if (auto st = load_filter::remove(options_.module); !st.ok()) {
    log_->error("{}", st.error().message);
    return;
  }
  if (load_filter_installed_) log_->info("load filter removed");
  load_filter_installed_ = false;
}

std::vector<LoadShareStatus> ModuleAgent::load_statuses() const {
  std::vector<LoadShareStatus> list;
  for (const auto& [group, deal] : load_shares_) {
    LoadShareStatus share;
    share.group = group;
    share.owned = deal.owned.count();
    share.buckets = kLoadBuckets;
    share.members = deal.members;
    list.push_back(std::move(share));
  }
  return list;
}

}  // namespace haven
