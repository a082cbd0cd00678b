// The agent's side of replication: which role the module's replication session takes in
// which state, when the primary (re)connects its secondary, and what the session's
// callbacks tell the behaviour. The table is docs/replication.md, "Wiring the session into
// the agent".
#include <boost/asio/post.hpp>

#include "agent/module_agent.hpp"
#include "agent/run_on_loop.hpp"

namespace haven {
namespace {

bool is_primary_state(ModuleState s) { return s == ModuleState::prim || s == ModuleState::alone; }

// How long an exiting agent keeps serving a fenced, detached mount to the processes still using it.
constexpr std::chrono::seconds kDetachedGrace{3};

}  // namespace

Status ModuleAgent::open_replication() {
  // Opened whenever <rfs> is configured; it does nothing until a behaviour's StartReplication.
  if (!setup_.replicates) return ok_status();
  replication_session::ReplicationSessionOptions options;
  options.rfs = *setup_.rfs;
  options.module = options_.module;
  options.var_dir = options_.paths.module_var_dir(options_.module);
  options.log = log_;
  if (setup_.peer_link) {
    options.key = setup_.peer_link->key;
    options.local_address = setup_.flow_local_address;
    options.peer_address = setup_.flow_peer_address;
    options.base_port = setup_.replication_port;
    options.timeout = setup_.peer_link->timeout;
  } else {
    options.local_address = "127.0.0.1";  // no peer: nothing listens, the changes are recorded
  }
  // Every callback comes from a session or link thread: hand it to the loop.
  replication_session::ReplicationCallbacks callbacks;
  callbacks.secondary_lost = [this](const std::string& why) {
    boost::asio::post(io_, [this, why] { on_secondary_lost(why); });
  };
  callbacks.in_sync = [this] {
    boost::asio::post(io_, [this] {
      log_->info("replication: the secondary is in sync");
      set_host_resource("rfs.secondary", "up");
    });
  };
  callbacks.reintegration_failed = [this](const std::string& why) {
    boost::asio::post(io_, [this, why] {
      log_->error("replication: reintegration of the secondary failed: {}; it stays not up to date, retried soon", why);
      replication_linked_ = false;
      arm_replication_retry();
    });
  };
  callbacks.secondary_in_sync = [this] {
    boost::asio::post(io_, [this] {
      stream_ended_at_.reset();
      offer_in_sync();
    });
  };
  callbacks.stream_ended = [this](const std::string& why) {
    boost::asio::post(io_, [this, why] { on_stream_ended(why); });
  };
  auto session = replication_session::ReplicationSession::create(std::move(options), std::move(callbacks));
  if (!session.ok()) return std::move(session).error();
  replication_ = std::move(*session);
  set_host_resource("rfs.secondary", "down");
  return ok_status();
}

ModuleAgent::ReplicationStep ModuleAgent::replication_step_for(const HostStep& host_step) const {
  if (!replication_) return {};
  if (const auto* start = std::get_if<StartReplication>(&host_step)) {
    const auto role = start->role == ReplicaRole::sender ? ReplicationRole::primary : ReplicationRole::secondary;
    if (replication_role_ == role) return {};
    auto step = replication_step_to(role);
    if (role == ReplicationRole::secondary && !start->keep_aside_label.empty()) step.keep_aside = start->keep_aside_label;
    return step;
  }
  if (const auto* stop = std::get_if<StopReplication>(&host_step)) {
    const auto role = stop->role == ReplicaRole::sender ? ReplicationRole::primary : ReplicationRole::secondary;
    if (replication_role_ != role) return {};
    ReplicationStep step;
    step.kind = ReplicationStep::Kind::release;
    step.from = replication_role_;
    step.lazy = stop->forced;
    return step;
  }
  return {};
}

ModuleAgent::ReplicationStep ModuleAgent::replication_step_to(ReplicationRole role) const {
  ReplicationStep step;
  if (!replication_) return step;
  step.from = replication_role_;
  if (role == ReplicationRole::none) {
    if (replication_role_ == ReplicationRole::none) return step;
    step.kind = ReplicationStep::Kind::release;
    return step;
  }
  step.kind = ReplicationStep::Kind::become;
  step.target = role;
  step.peer_reachable = last_peer_ && last_peer_->reachable;
  if (setup_.peer_link) step.drain_stall = setup_.peer_link->timeout;
  return step;
}

// On the job thread: only the session and what init() set up, never the loop's state.
ModuleAgent::ReplicationOutcome ModuleAgent::carry_out(const ReplicationStep& step) {
  using Kind = ReplicationStep::Kind;
  if (step.kind == Kind::release) {
    auto st = replication_->stop(step.lazy);
    if (!st.ok() && !step.lazy) {
      log_->info("replication: {}", st.error().message);
      return {ok_status(), step.from};  // still mounted: the forced stop comes next
    }
    if (!st.ok()) log_->error("replication: {}", st.error().message);
    return {st, ReplicationRole::none};
  }
  if (step.from == ReplicationRole::secondary && step.target == ReplicationRole::primary) {
    // Taking over: every change the old primary had acknowledged must be written here first.
    if (auto st = replication_->drain(step.drain_stall); !st.ok())
      return {fail(st.error().code, st.error().message + ": this node does not take over with a copy lacking changes its old "
                                                         "primary acknowledged"),
              step.from};
  }
  if (step.from != ReplicationRole::none) {
    if (auto st = replication_->stop(true); !st.ok()) return {st, step.from};
  }
  if (step.target == ReplicationRole::primary && replication_->left_changes())
    return {fail(Errc::refused, "module " + options_.module + ": the secondary stopped before every change received from its "
                                "primary was written: this node does not take over with a copy lacking changes its old "
                                "primary acknowledged (see the error above in this log)"),
            ReplicationRole::none};
  // A fresh node may not have the application's folders yet: make them, as the peer's copy
  // or this node's first data will fill them.
  for (const auto& dir : setup_.rfs->replicated) {
    std::error_code ec;
    if (std::filesystem::create_directories(dir.dir, ec)) log_->info("replication: created the replicated directory {}", dir.dir);
    else if (ec)
      return {fail(Errc::io_error, "cannot create the replicated directory " + dir.dir + " (userconfig.xml line " +
                                       std::to_string(dir.line) + "): " + ec.message()),
              ReplicationRole::none};
  }
  if (step.target == ReplicationRole::primary) {
    if (auto st = replication_->become_primary(step.peer_reachable); !st.ok()) return {st, ReplicationRole::none};
    return {ok_status(), ReplicationRole::primary};
  }
  replication_session::BecomeSecondaryOptions secondary;
  if (step.keep_aside) secondary.keep_aside = *step.keep_aside;
  if (auto st = replication_->become_secondary(secondary); !st.ok()) return {st, ReplicationRole::none};
  if (step.keep_aside)
    log_->warn("replication: split brain lost: what this node wrote alone is kept in {}", replication_->conflicts_folder().string());
  return {ok_status(), ReplicationRole::secondary};
}

void ModuleAgent::apply_replication_outcome(const ReplicationStep& step, const ReplicationOutcome& outcome) {
  if (!outcome.status.ok() && step.kind == ReplicationStep::Kind::become)
    log_->error("replication: {}", outcome.status.error().message);
  const bool changed = outcome.role != replication_role_ || step.kind == ReplicationStep::Kind::become;
  replication_role_ = outcome.role;
  if (!changed) return;
  replication_linked_ = false;
  stream_ended_at_.reset();
  secondary_lost_at_.reset();
  if (outcome.role != ReplicationRole::primary) set_host_resource("rfs.secondary", "down");
  if (outcome.role == ReplicationRole::primary) connect_secondary_if_ready();
}

void ModuleAgent::follow_state_with_replication(ModuleState state, SubState sub) {
  if (!replication_) return;
  if (is_primary_state(state) && sub == SubState::ready) leaving_primary_ = false;
  if (replication_role_ == ReplicationRole::primary) {
    if (state == ModuleState::alone) {
      // Decided: this node goes on without its secondary; what it lacks is recorded for it.
      if (secondary_lost_at_ && replication_->held_changes() > 0)
        log_->info("replication: ALONE: the writes the lost secondary lacks are acknowledged, recorded for its reintegration");
      replication_->allow_alone();
      secondary_lost_at_.reset();
    } else if (!is_primary_state(state)) {
      // Leaving the role without going on alone: a write the secondary lacks must fail.
      leaving_primary_ = true;
      replication_->refuse_unforwarded("module " + options_.module + ": this node leaves the primary role (" +
                                       std::string(to_string(state)) + "); a write its secondary lacks is not acknowledged");
    }
  }
  if ((state == ModuleState::stop || (state == ModuleState::wait && sub == SubState::not_ready)) &&
      (replication_role_ != ReplicationRole::none || running_job_))
    queue_job(Job{std::nullopt, ReplicationRole::none, {}});
}

// The replication layer may be in sync before the behaviour can take it: the primary connects
// while it is still entering its role, or before this node has entered SECOND. Offered again at
// each chance (the peer's news, this node's new state) while it holds.
void ModuleAgent::offer_in_sync() {
  if (!replication_ || replication_role_ != ReplicationRole::secondary || !replication_->in_sync()) return;
  if (behaviour_->state() != ModuleState::second) return;
  if (behaviour_->sub_state() == SubState::ready && behaviour_->knowledge().data_uptodate) return;
  if (!last_peer_ || !last_peer_->reachable || !is_primary_state(last_peer_->state)) return;
  feed(ReplicationNews{ReplicationNews::Kind::in_sync});
  maybe_exit();
}

Status ModuleAgent::log_status(Status st) {
  if (!st.ok()) log_->error("replication: {}", st.error().message);
  return st;
}

void ModuleAgent::connect_secondary_if_ready() {
  if (!replication_ || replication_role_ != ReplicationRole::primary || replication_linked_ || replication_connecting_)
    return;
  if (!last_peer_ || !last_peer_->reachable || last_peer_->state != ModuleState::second) return;
  replication_connecting_ = true;
  // Only the changes recorded since this primary's copy and the peer's were equal may be sent
  // alone: the peer was its secondary, in sync at this generation. Otherwise compare all.
  const auto mine = behaviour_->knowledge();
  const bool full = !(last_peer_->knowledge.last_role == Role::second && last_peer_->knowledge.generation == mine.generation);
  if (replication_connect_thread_.joinable()) replication_connect_thread_.join();
  // Connecting waits up to the heartbeat timeout: not on the loop.
  replication_connect_thread_ = std::thread([this, full] {
    auto st = replication_->peer_secondary_ready(full);
    boost::asio::post(io_, [this, st] {
      replication_connecting_ = false;
      if (st.ok()) {
        replication_linked_ = true;
        secondary_lost_at_.reset();  // a new secondary: its own loss will need a decision
        return;
      }
      log_->warn("replication: cannot reach the secondary yet: {}; retried soon", st.error().message);
      arm_replication_retry();
    });
  });
}

void ModuleAgent::arm_replication_retry() {
  if (!replication_retry_timer_) replication_retry_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  const auto pulse = setup_.peer_link ? setup_.peer_link->pulse : std::chrono::milliseconds(700);
  replication_retry_timer_->expires_after(std::max<std::chrono::milliseconds>(pulse * 2, std::chrono::milliseconds(500)));
  replication_retry_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) connect_secondary_if_ready();
  });
}

void ModuleAgent::on_secondary_lost(const std::string& why) {
  replication_linked_ = false;
  set_host_resource("rfs.secondary", "down");
  arm_replication_retry();
  if (replication_role_ != ReplicationRole::primary) return;
  if (leaving_primary_) {
    log_->warn("replication: secondary lost ({}) while this node leaves the primary role: the writes it lacks fail", why);
    replication_->refuse_unforwarded("module " + options_.module + ": the secondary was lost while this node leaves the primary "
                                     "role; a write it lacks is not acknowledged");
    return;
  }
  if (behaviour_->state() == ModuleState::alone) {
    log_->warn("replication: secondary lost ({}): writes are recorded for a fast reintegration", why);
    replication_->allow_alone();
    return;
  }
  log_->warn("replication: secondary lost ({}): the writes it lacks are recorded and wait until this node decides to go on "
             "alone (every heartbeat lost{}, or the peer says its copy is behind); if it leaves the primary role instead, "
             "they fail",
             why, split_brain_ ? " and the split-brain witness reached" : "");
  secondary_lost_at_ = std::chrono::steady_clock::now();
  check_peer_behind();
}

// The peer cannot take over with a copy it knows is behind: once its heartbeats say so (heard
// well after the loss, so not a heartbeat sent before its stream ended), the writes it lacks
// may be acknowledged.
void ModuleAgent::check_peer_behind() {
  if (!secondary_lost_at_ || replication_role_ != ReplicationRole::primary || !peer_link_) return;
  const auto settle = setup_.peer_link->timeout / 2;
  const auto heard = peer_link_->last_heard();
  if (heard && *heard >= *secondary_lost_at_ + settle && last_peer_ && last_peer_->reachable &&
      !last_peer_->knowledge.data_uptodate && !is_primary_state(last_peer_->state)) {
    log_->info("replication: peer {} says its copy is behind ({} {}): the writes it lacks are acknowledged, recorded for its "
               "reintegration",
               last_peer_->node, to_string(last_peer_->state), to_string(last_peer_->sub));
    replication_->allow_alone();
    secondary_lost_at_.reset();
    return;
  }
  if (!behind_check_timer_) behind_check_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  behind_check_timer_->expires_after(std::max<std::chrono::milliseconds>(setup_.peer_link->pulse / 2, std::chrono::milliseconds(20)));
  behind_check_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_peer_behind();
  });
}

// A primary's stream ended here. If the primary is dead, every change it acknowledged was
// received: this node may take over. If it lives on as primary, it now records changes this
// node lacks: this node falls behind. The heartbeats tell which, within a few pulses.
void ModuleAgent::on_stream_ended(const std::string& why) {
  if (replication_role_ != ReplicationRole::secondary) return;
  log_->warn("replication: the primary's stream ended: {}", why);
  stream_ended_at_ = std::chrono::steady_clock::now();
  check_stream_ended();
}

void ModuleAgent::check_stream_ended() {
  if (!stream_ended_at_ || replication_role_ != ReplicationRole::secondary || !peer_link_) return;
  const auto pulse = setup_.peer_link->pulse;
  const auto heard = peer_link_->last_heard();
  const bool primary_lives = heard && *heard > *stream_ended_at_ + pulse / 2 && last_peer_ && last_peer_->reachable &&
                             is_primary_state(last_peer_->state) && last_peer_->sub == SubState::ready;
  if (primary_lives) {
    stream_ended_at_.reset();
    if (behaviour_->state() == ModuleState::second) {
      log_->warn("replication: primary {} goes on without this node's copy: this node is behind until reintegrated",
                 last_peer_->node);
      feed(ReplicationNews{ReplicationNews::Kind::behind});
      maybe_exit();
    }
    return;
  }
  if (!last_peer_ || !last_peer_->reachable) {
    stream_ended_at_.reset();  // the peer is lost: the failover rules decide, with this node's copy complete
    return;
  }
  if (!stream_check_timer_) stream_check_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  stream_check_timer_->expires_after(pulse / 2);
  stream_check_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_stream_ended();
  });
}

nlohmann::json ModuleAgent::replication_json() const {
  if (!replication_) return nullptr;
  return replication_->state_json();
}

// rfsdiff and rfsverify hash both trees (seconds per GiB): they run on the control server's
// thread for this request, never on the loop, which only tells the role and the peer's name.
ControlResponse ModuleAgent::handle_replication_request(const ControlRequest& request) {
  const std::string& command = request.command;
  const std::string& module = options_.module;
  struct Seen {
    bool replicates = false;
    ReplicationRole role = ReplicationRole::none;
    std::string state;
    std::string peer;
  };
  auto seen = exiting_ ? std::nullopt : run_on_loop(io_, [this] {
    Seen s;
    s.replicates = replication_ != nullptr;
    s.role = replication_role_;
    s.state = to_string(behaviour_->state());
    if (last_peer_ && !last_peer_->node.empty()) s.peer = last_peer_->node;
    else if (setup_.peer_link) s.peer = setup_.peer_link->peer_node;
    return s;
  });
  if (!seen)
    return ControlResponse::failure(fail(Errc::refused, "the agent of module " + module + " on node " + options_.node +
                                                                " is stopping: " + command + " cannot run"));
  if (!seen->replicates)
    return ControlResponse::failure(fail(Errc::refused, "module " + module + " replicates no directory (no <rfs> in its "
                                                        "userconfig.xml, or not a mirror module): " + command +
                                                        " has nothing to compare"));
  const std::string peer = seen->peer.empty() ? "the peer" : seen->peer;
  const std::string there = seen->peer.empty() ? "" : " -H " + seen->peer;
  if (seen->role == ReplicationRole::secondary) {
    auto refused = ControlResponse::failure(fail(Errc::refused, "module " + module + " is " + seen->state + " here (node " +
                                                                    options_.node + "): run " + command + " on the primary " +
                                                                    peer + ": haven " + command + " -m " + module + there));
    if (!seen->peer.empty()) refused.data = {{"primary", seen->peer}};  // the CLI asks there
    return refused;
  }
  if (seen->role != ReplicationRole::primary)
    return ControlResponse::failure(fail(Errc::refused, "module " + module + " is " + seen->state + " on node " + options_.node +
                                                        ": its directories are not replicated now; " + command +
                                                        " runs on the primary, with its secondary connected (haven state -m " +
                                                        module + " -H \"*\")"));
  auto result = command == "rfsverify" ? replication_->rfsverify_json() : replication_->rfsdiff_json();
  if (!result.ok()) return ControlResponse::failure(result.error());
  return ControlResponse::success("", std::move(*result));
}

void ModuleAgent::close_replication() {
  if (replication_connect_thread_.joinable()) replication_connect_thread_.join();
  // The loop has ended: nothing else uses the session now. Stopped whatever role the loop
  // last saw (a job may have ended while the loop was ending).
  if (replication_) {
    if (auto st = replication_->stop(true); !st.ok()) log_->error("replication: {}", st.error().message);
    replication_role_ = ReplicationRole::none;
    // Processes the stop hooks missed get EROFS from the fenced mount while this process serves
    // it: a moment for them to notice and close; afterwards they get ENOTCONN.
    if (replication_->detached_in_use() > 0 && !replication_->wait_detached_released(kDetachedGrace))
      log_->warn("replication: {} detached director{} still in use as the agent exits: the processes named above now get "
                 "ENOTCONN instead of EROFS",
                 replication_->detached_in_use(), replication_->detached_in_use() == 1 ? "y" : "ies");
  }
}

}  // namespace haven
