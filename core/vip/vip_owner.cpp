#include "vip/vip_owner.hpp"

#include <algorithm>

#include "vip/address_announcer.hpp"
#include "vip/vip_record.hpp"

namespace haven::vip {
namespace {

struct NodeNetwork {
  NetlinkAddresses netlink;
  std::vector<LinkInfo> links;
  std::vector<AddressInfo> addresses;
};

Result<NodeNetwork> read_node_network() {
  auto netlink = NetlinkAddresses::open();
  if (!netlink.ok()) return std::move(netlink).error();
  auto links = netlink->links();
  if (!links.ok()) return std::move(links).error();
  auto addresses = netlink->addresses();
  if (!addresses.ok()) return std::move(addresses).error();
  return NodeNetwork{std::move(*netlink), std::move(*links), std::move(*addresses)};
}

void add_unique(std::vector<AddressAssignment>& list, const AddressAssignment& a) {
  if (std::find(list.begin(), list.end(), a) == list.end()) list.push_back(a);
}

// Removes each address; the first error is returned, after trying them all.
Status remove_all(NetlinkAddresses& netlink, const std::vector<AddressAssignment>& list,
                  const std::function<void(const std::string&)>& removed) {
  std::optional<Error> first;
  for (const auto& a : list) {
    auto st = netlink.remove(a);
    if (!st.ok()) {
      if (!first) first = st.error();
    } else if (removed) {
      removed(describe(a));
    }
  }
  if (first) return *first;
  return ok_status();
}

}  // namespace

VipOwner::VipOwner(VipOwnerOptions options) : options_(std::move(options)) {}

bool VipOwner::configured() const {
  return std::any_of(options_.vip.interfaces.begin(), options_.vip.interfaces.end(),
                     [](const config::VipInterface& i) {
                       return !i.real_interface.empty() || (i.virtual_interface && !i.virtual_interface->virtual_addrs.empty());
                     });
}

Result<std::vector<PlannedAddress>> VipOwner::plan() const {
  auto network = read_node_network();
  if (!network.ok()) return std::move(network).error();
  return plan_addresses(options_.vip, network->links, network->addresses, options_.resolve);
}

Status VipOwner::take(Clock::time_point now) {
  const std::string module = "module " + options_.module;
  auto network = read_node_network();
  if (!network.ok()) return fail(network.error().code, module + ": " + network.error().message);
  auto planned = plan_addresses(options_.vip, network->links, network->addresses, options_.resolve);
  if (!planned.ok()) return fail(planned.error().code, module + ": virtual IP " + planned.error().message);

  // Recorded before added: a crash between the two leaves a record of what may be there.
  auto recorded = load_vip_record(options_.record_file);
  std::vector<AddressAssignment> to_record = recorded.ok() ? *recorded : std::vector<AddressAssignment>{};
  for (const auto& p : *planned) add_unique(to_record, p.assignment);
  if (auto st = save_vip_record(options_.record_file, options_.module, to_record); !st.ok()) return st;

  std::vector<AddressAssignment> added;
  for (const auto& p : *planned) {
    auto st = network->netlink.add(p.assignment);
    if (!st.ok()) {
      if (auto undo = remove_all(network->netlink, added, {}); !undo.ok())
        options_.warn("while undoing a failed takeover: " + undo.error().message);
      else if (auto cleared = clear_vip_record(options_.record_file); !cleared.ok())
        options_.warn(cleared.error().message);
      held_.clear();
      last_announced_.clear();
      return fail(st.error().code, module + ": " + st.error().message);
    }
    added.push_back(p.assignment);
    options_.info("virtual IP " + describe(p.assignment) + " set");
  }
  held_ = std::move(*planned);
  takeover_ = now;
  last_announced_.assign(held_.size(), now);
  announce_all(false, now);
  return ok_status();
}

Status VipOwner::release() {
  std::vector<AddressAssignment> to_remove;
  for (const auto& p : held_) add_unique(to_remove, p.assignment);
  auto recorded = load_vip_record(options_.record_file);
  if (recorded.ok())
    for (const auto& a : *recorded) add_unique(to_remove, a);
  else
    options_.warn(recorded.error().message);
  auto netlink = NetlinkAddresses::open();
  if (!netlink.ok()) return fail(netlink.error().code, "module " + options_.module + ": " + netlink.error().message);
  auto st = remove_all(*netlink, to_remove, [this](const std::string& a) { options_.info("virtual IP " + a + " removed"); });
  if (!st.ok()) return fail(st.error().code, "module " + options_.module + ": " + st.error().message);
  held_.clear();
  last_announced_.clear();
  if (!recorded.ok()) return ok_status();  // a damaged record stays for the administrator
  return clear_vip_record(options_.record_file);
}

std::optional<Clock::time_point> VipOwner::next_refresh(Clock::time_point now) const {
  std::optional<Clock::time_point> best;
  for (const auto& p : held_) {
    auto t = next_announcement(AnnounceSchedule::of(options_.vip.interfaces[p.interface_index]), takeover_, now);
    if (t && (!best || *t < *best)) best = t;
  }
  return best;
}

int VipOwner::refresh(Clock::time_point now) { return announce_all(true, now); }

int VipOwner::announce_all(bool only_due, Clock::time_point now) {
  if (held_.empty()) return 0;
  auto netlink = NetlinkAddresses::open();
  if (!netlink.ok()) {
    options_.warn("cannot announce the virtual IPs of module " + options_.module + ": " + netlink.error().message);
    return 0;
  }
  auto links = netlink->links();
  if (!links.ok()) {
    options_.warn("cannot announce the virtual IPs of module " + options_.module + ": " + links.error().message);
    return 0;
  }
  int sent = 0;
  for (std::size_t i = 0; i < held_.size(); ++i) {
    const auto& a = held_[i].assignment;
    // A farm's address is on every node: an announcement would give clients one node's real
    // MAC; the load filter makes ARP answers carry the one the farm chose (farm-data-path.md).
    if (held_[i].farm) continue;
    const auto schedule = AnnounceSchedule::of(options_.vip.interfaces[held_[i].interface_index]);
    if (only_due && !announcement_due(schedule, takeover_, last_announced_[i], now)) continue;
    last_announced_[i] = now;
    auto link = std::find_if(links->begin(), links->end(), [&](const LinkInfo& l) { return l.name == a.interface; });
    if (link == links->end()) {
      options_.warn("cannot announce virtual IP " + describe(a) + ": the interface is gone");
      continue;
    }
    if (!link->has_mac) continue;  // no link layer to tell (loopback, tun)
    auto st = announce(AnnounceTarget{link->index, link->name, link->mac, a.prefix.address});
    if (!st.ok()) {
      options_.warn(st.error().message);
      continue;
    }
    ++sent;
  }
  return sent;
}

std::vector<GeneratedCheck> VipOwner::checks() const {
  if (!held_.empty()) return generated_checks(options_.vip, held_);
  auto planned = plan();
  if (!planned.ok()) return {};
  return generated_checks(options_.vip, *planned);
}

Status remove_recorded(const std::filesystem::path& record_file, const std::function<void(const std::string&)>& removed) {
  auto recorded = load_vip_record(record_file);
  if (!recorded.ok()) return std::move(recorded).error();
  if (recorded->empty()) return clear_vip_record(record_file);
  auto netlink = NetlinkAddresses::open();
  if (!netlink.ok()) return std::move(netlink).error();
  if (auto st = remove_all(*netlink, *recorded, removed); !st.ok()) return st;
  return clear_vip_record(record_file);
}

}  // namespace haven::vip
