#include "replication_session/directory_sink.hpp"

#include <algorithm>
#include <thread>

#include "replication_session/region_recording.hpp"

namespace haven::replication_session {

using replication::Change;

DirectorySink::DirectorySink(replication::ChangedRegionsLog record) : record_(std::move(record)) {}

DirectorySink::~DirectorySink() = default;

DirectorySink::Ticket DirectorySink::submit(Change change) {
  std::lock_guard lock(mutex_);
  return submit_locked(std::move(change));
}

void DirectorySink::forget_lost_sender() {
  if (sender_ && sender_->lost()) {
    counters_.lost = true;
    counters_.lost_reason = sender_->lost_reason();
    lease_end_ = std::max(lease_end_, sender_->acknowledge_recorded_from());
    sender_.reset();  // routes still waiting on it keep it alive
  }
}

DirectorySink::Ticket DirectorySink::submit_locked(Change change) {
  const Ticket ticket = next_ticket_++;
  if (collecting_renames_ && (change.kind == replication::ChangeKind::rename || change.kind == replication::ChangeKind::link)) {
    renamed_.insert(change.path);
    renamed_.insert(change.path2);
  }
  Route route;
  forget_lost_sender();
  bool fenced = false;
  bool undecided = false;
  {
    std::lock_guard decision(decision_mutex_);
    fenced = fenced_;
    undecided = decided_epoch_ < forward_epoch_;
    route.epoch = forward_epoch_;
    if (fenced) route.error = fail(Errc::refused, refusal_);
  }
  if (fenced) {
    // Nothing more after a fence: the file system refuses before changing anything.
  } else if (sender_) {
    ++counters_.changes_sent;
    counters_.bytes_sent += change.data.size();
    route.sender = sender_;
    route.inner = sender_->submit(std::move(change));
  } else {
    std::lock_guard record_lock(record_mutex_);
    auto recorded = record_change(record_, change);
    if (recorded.ok()) {
      route.needs_decision = undecided;
      route.not_before = lease_end_;
      route.record_serial = ++appended_;
      ++recorded_;
    } else {
      route.error = recorded.error();
    }
  }
  routes_.emplace(ticket, std::move(route));
  return ticket;
}

Status DirectorySink::sync_record_through(std::uint64_t serial) {
  std::lock_guard record_lock(record_mutex_);
  if (synced_ >= serial) return ok_status();  // another waiter's sync covered it
  const std::uint64_t target = appended_;
  auto synced = record_.sync();
  if (!synced.ok()) return synced;
  synced_ = target;
  return ok_status();
}

Status DirectorySink::wait(Ticket ticket) {
  Route route;
  {
    std::lock_guard lock(mutex_);
    auto found = routes_.find(ticket);
    if (found == routes_.end())
      return fail(Errc::invalid_argument, "replication ticket " + std::to_string(ticket) + " is unknown or was already waited for");
    route = std::move(found->second);
    routes_.erase(found);
  }
  if (route.error) return Status(*route.error);
  if (route.sender) {
    auto sent = route.sender->wait(route.inner);
    if (!sent.ok() || route.inner <= route.sender->acknowledged()) return sent;
    // Recorded after the secondary was lost: it lacks this change.
    return await_decision(route.epoch);
  }
  auto synced = sync_record_through(route.record_serial);
  if (!synced.ok()) return synced;
  // The lost secondary may still take over with what it has until its lease runs out
  // (core/replication_link/README.md, "The lease").
  if (std::chrono::steady_clock::now() < route.not_before) std::this_thread::sleep_until(route.not_before);
  if (route.needs_decision) return await_decision(route.epoch);
  return synced;
}

Status DirectorySink::await_decision(std::uint64_t epoch) {
  std::unique_lock lock(decision_mutex_);
  ++held_;
  decided_.wait(lock, [this, epoch] { return decided_epoch_ >= epoch || refused_through_ >= epoch || fenced_; });
  --held_;
  // Decided before a refusal or the fence: the decision stands for what it covered.
  if (decided_epoch_ >= epoch) return ok_status();
  return fail(Errc::io_error, refusal_);
}

void DirectorySink::allow_alone() {
  // Only for the secondaries lost by now: a live one may still take over if it is lost later
  // (ALONE for a moment, then PRIM again with the same link).
  bool current_alive = false;
  {
    std::lock_guard lock(mutex_);
    current_alive = sender_ && !sender_->lost();
  }
  std::lock_guard lock(decision_mutex_);
  const std::uint64_t through = current_alive && forward_epoch_ > 0 ? forward_epoch_ - 1 : forward_epoch_;
  if (through <= decided_epoch_) return;
  decided_epoch_ = through;
  decided_.notify_all();
}

void DirectorySink::refuse_unforwarded(const std::string& why) {
  // As for allow_alone: a live secondary's later loss is not refused in advance (a restart of
  // the application keeps the role); the caller refuses again if it is lost while leaving.
  bool current_alive = false;
  {
    std::lock_guard lock(mutex_);
    current_alive = sender_ && !sender_->lost();
  }
  std::lock_guard lock(decision_mutex_);
  refusal_ = why;
  refused_through_ = std::max(refused_through_, current_alive && forward_epoch_ > 0 ? forward_epoch_ - 1 : forward_epoch_);
  decided_.notify_all();
}

void DirectorySink::fence(const std::string& why) {
  {
    std::lock_guard lock(decision_mutex_);
    refusal_ = why;
    refused_through_ = forward_epoch_;
    fenced_ = true;
    decided_.notify_all();
  }
  std::shared_ptr<replication::ReplicationSender> sender;
  {
    std::lock_guard lock(mutex_);
    sender = sender_;
  }
  // What a live secondary acknowledges now, it acknowledges before this node says it left.
  if (sender && !sender->lost()) (void)sender->wait_all_acknowledged();
}

std::size_t DirectorySink::held() const {
  std::lock_guard lock(decision_mutex_);
  return held_;
}

void DirectorySink::forward_to(std::shared_ptr<replication::ReplicationSender> sender) {
  std::lock_guard lock(mutex_);
  sender_ = std::move(sender);
  {
    std::lock_guard decision(decision_mutex_);
    ++forward_epoch_;  // a secondary that may come in sync: its loss needs a decision
  }
  counters_.lost = false;
  counters_.lost_reason.clear();
}

void DirectorySink::record_only() {
  std::lock_guard lock(mutex_);
  forget_lost_sender();  // keeps its lease's end
  sender_.reset();
}

Status DirectorySink::record_lost(std::span<const Change> changes) {
  std::lock_guard record_lock(record_mutex_);
  auto recorded = record_changes(record_, changes);
  if (!recorded.ok()) return recorded;
  appended_ += changes.size();
  recorded_ += changes.size();
  auto synced = record_.sync();
  if (!synced.ok()) return synced;
  synced_ = appended_;
  return ok_status();
}

Status DirectorySink::submit_ordered(const Produce& produce) {
  std::vector<Ticket> tickets;
  {
    std::lock_guard lock(mutex_);
    std::vector<Change> changes;
    auto produced = produce(changes);
    if (!produced.ok()) return produced;
    tickets.reserve(changes.size());
    for (auto& change : changes) tickets.push_back(submit_locked(std::move(change)));
  }
  Status first_error = ok_status();
  for (Ticket ticket : tickets) {
    auto status = wait(ticket);
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  return first_error;
}

replication::ChangedRegions DirectorySink::recorded_regions(bool& intact) const {
  std::lock_guard record_lock(record_mutex_);
  intact = record_.intact();
  return record_.regions();
}

Result<bool> DirectorySink::reset_record_if_connected() {
  std::lock_guard lock(mutex_);
  forget_lost_sender();
  if (!sender_) return false;
  std::lock_guard record_lock(record_mutex_);
  auto reset = record_.reset();
  if (!reset.ok()) return reset.error();
  synced_ = appended_;
  return true;
}

Status DirectorySink::send_in_sync_marker() {
  std::shared_ptr<replication::ReplicationSender> sender;
  Ticket ticket = 0;
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mutex_);
    forget_lost_sender();
    if (!sender_) return fail(Errc::io_error, "no secondary is connected to receive the in-sync marker");
    sender = sender_;
    ticket = sender->submit_marker();
    std::lock_guard decision(decision_mutex_);
    epoch = forward_epoch_;
  }
  auto waited = sender->wait(ticket);
  if (!waited.ok()) return waited;
  if (sender->lost()) return fail(Errc::io_error, "the secondary was lost before it acknowledged the in-sync marker (" + sender->lost_reason() + ")");
  // This secondary now holds every change recorded before it was connected: those an earlier
  // secondary lacked are safe whatever was decided about that one.
  std::lock_guard decision(decision_mutex_);
  if (epoch > 0 && decided_epoch_ < epoch - 1) {
    decided_epoch_ = epoch - 1;
    decided_.notify_all();
  }
  return ok_status();
}

Result<std::vector<std::byte>> DirectorySink::ask_secondary(std::vector<std::byte> request, const std::string& what) {
  std::shared_ptr<replication::ReplicationSender> sender;
  {
    std::lock_guard lock(mutex_);
    forget_lost_sender();
    sender = sender_;
  }
  if (!sender) return fail(Errc::io_error, "cannot ask the secondary for " + what + ": no secondary is connected");
  return sender->request(std::move(request), what);
}

void DirectorySink::collect_renames() {
  std::lock_guard lock(mutex_);
  collecting_renames_ = true;
  renamed_.clear();
}

std::vector<std::string> DirectorySink::take_renamed() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names(renamed_.begin(), renamed_.end());
  renamed_.clear();
  if (names.empty()) collecting_renames_ = false;
  return names;
}

SinkCounters DirectorySink::counters() const {
  SinkCounters counters;
  {
    std::lock_guard lock(mutex_);
    counters = counters_;
    counters.connected = sender_ && !sender_->lost();
    if (sender_ && sender_->lost()) {
      counters.lost = true;
      counters.lost_reason = sender_->lost_reason();
    }
  }
  std::lock_guard record_lock(record_mutex_);
  counters.changes_recorded = recorded_;
  counters.record_intact = record_.intact();
  counters.recorded_paths = record_.regions().size();
  return counters;
}

}  // namespace haven::replication_session
