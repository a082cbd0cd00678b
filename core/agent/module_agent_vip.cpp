// The agent's side of the virtual IP: when to take and release the module's addresses.
#include <boost/asio/post.hpp>

#include "agent/module_agent.hpp"
#include "load_filter/load_filter.hpp"
#include "vip/module_vip.hpp"

namespace haven {
namespace {

// The states in which a module may hold its virtual IPs (a behaviour takes them with TakeVips).
bool may_serve(ModuleState s) { return s == ModuleState::prim || s == ModuleState::alone || s == ModuleState::up; }

}  // namespace

void ModuleAgent::open_vips() {
  const auto record = vip::vip_record_file(options_.paths, options_.module);
  // A record here belongs to an agent of this module that died: its addresses must go before
  // this node takes any part in the cluster, or two nodes would answer ARP for them.
  auto stale = vip::remove_recorded(record, [this](const std::string& a) {
    log_->warn("removed virtual IP {} left by a previous agent of module {}", a, options_.module);
  });
  if (!stale.ok()) log_->error("{}", stale.error().message);

  auto config = vip::load_module_vip(options_.paths, options_.module);
  if (!config.ok()) {
    log_->error("{}", config.error().message);
    return;
  }
  if (!config->has_value()) return;
  vip_config_ = **config;
  if (balances_load()) {
    // Likewise a dead agent's load filter: a later start installs a new one before the address.
    if (auto st = load_filter::remove(options_.module); !st.ok()) log_->error("{}", st.error().message);
  }
  vip::VipOwnerOptions o;
  o.module = options_.module;
  o.vip = std::move(**config);
  o.record_file = record;
  o.warn = [this](const std::string& m) { log_->warn("{}", m); };
  o.info = [this](const std::string& m) { log_->info("{}", m); };
  std::unique_ptr<vip::VipHolder> owner =
      options_.make_vips ? options_.make_vips(std::move(o)) : std::make_unique<vip::VipOwner>(std::move(o));
  if (!owner->configured()) return;
  vips_ = std::move(owner);
  vip_refresh_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
}

Status ModuleAgent::take_vips() {
  if (!vips_ || !vips_->held().empty()) return ok_status();
  // A farm's filter first: the address must not accept every client until the deal arrives.
  if (balances_load())
    if (auto st = load_filter_apply(); !st.ok()) {
      log_->error("{}", st.error().message);
      return st;
    }
  auto st = vips_->take(vip::Clock::now());
  if (!st.ok()) {
    log_->error("{}", st.error().message);
    return st;
  }
  arm_vip_refresh();
  return ok_status();
}

void ModuleAgent::release_vips() {
  if (!vips_) return;
  vip_refresh_timer_->cancel();
  filter_inputs_.reset();
  // Also when nothing is held: a take that crashed half way may have left a record.
  if (auto st = vips_->release(); !st.ok())
    log_->error("{}; havend removes the recorded addresses if this agent dies", st.error().message);
}

void ModuleAgent::follow_state_with_vips(ModuleState state) {
  // A safety net: a behaviour releases them itself (ReleaseVips) before its application stops.
  if (vips_ && !may_serve(state) && !vips_->held().empty()) release_vips();
  if (state == ModuleState::stop && load_filter_installed_) load_filter_remove();
}

void ModuleAgent::arm_vip_refresh() {
  if (!vips_) return;
  auto next = vips_->next_refresh(vip::Clock::now());
  if (!next) return;
  vip_refresh_timer_->expires_at(*next);
  vip_refresh_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || !vips_) return;
    vips_->refresh(vip::Clock::now());
    arm_vip_refresh();
  });
}

std::vector<VipStatus> ModuleAgent::vip_statuses() const {
  std::vector<VipStatus> list;
  if (!vips_) return list;
  for (const auto& p : vips_->held()) {
    VipStatus vip;
    vip.address = p.assignment.prefix.address.to_string();
    vip.prefix = p.assignment.prefix.length;
    vip.interface = p.assignment.interface;
    vip.label = p.assignment.label;
    vip.written = p.written;
    list.push_back(std::move(vip));
  }
  return list;
}

}  // namespace haven
