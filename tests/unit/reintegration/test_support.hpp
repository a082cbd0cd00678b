// What the reintegration tests share: temporary folders, a sink that applies each change to
// the secondary's folder at once (as the receiver does during a reintegration), and an
// OrderedSubmitter made of a mutex and that sink.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "reintegration/ordered_submitter.hpp"
#include "reintegration/tolerant_apply.hpp"
#include "replication/change_sink.hpp"
#include "replication_apply/applier.hpp"

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "haven-reint-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    fd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  ~TempDir() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return root_; }
  int fd() const { return fd_; }

 private:
  std::filesystem::path root_;
  int fd_ = -1;
};

/// Applies every change to `dir` as it is submitted, in order; counts what went by kind.
class ApplyingSink final : public haven::replication::ChangeSink {
 public:
  explicit ApplyingSink(int dir_fd) : dir_fd_(dir_fd), applier_(dir_fd) {}

  /// From the `n`-th change on (0-based), wait() fails as if the secondary were lost.
  void fail_from(std::uint64_t n) { fail_from_ = n; }

  Ticket submit(haven::replication::Change change) override {
    std::lock_guard lock(mutex_);
    change.sequence = ++sequence_;
    if (change.sequence > fail_from_) {
      results_[change.sequence] = haven::fail(haven::Errc::io_error, "the secondary is lost (test)");
      return change.sequence;
    }
    if (change.kind == haven::replication::ChangeKind::write) written_ += change.data.size();
    ++count_[change.kind];
    auto applied = haven::reintegration::apply_while_reintegrating(applier_, dir_fd_, change);
    if (!applied.ok()) {
      errors_.push_back(applied.error().message);
      results_[change.sequence] = std::move(applied).error();
    } else {
      results_[change.sequence] = haven::ok_status();
    }
    return change.sequence;
  }

  haven::Status wait(Ticket ticket) override {
    std::lock_guard lock(mutex_);
    auto it = results_.find(ticket);
    haven::Status s = it->second;
    results_.erase(it);
    return s;
  }

  std::uint64_t written() const { return written_; }
  std::uint64_t count(haven::replication::ChangeKind kind) const {
    auto it = count_.find(kind);
    return it == count_.end() ? 0 : it->second;
  }
  const std::vector<std::string>& errors() const { return errors_; }
  void close_files() { applier_.close_open_files(); }

 private:
  int dir_fd_;
  haven::replication::Applier applier_;
  std::mutex mutex_;
  std::uint64_t sequence_ = 0;
  std::uint64_t fail_from_ = UINT64_MAX;
  std::uint64_t written_ = 0;
  std::map<haven::replication::ChangeKind, std::uint64_t> count_;
  std::map<Ticket, haven::Status> results_;
  std::vector<std::string> errors_;
};

/// The ordering lock and the sink, as ReplicatedFs holds them.
class MutexSubmitter final : public haven::reintegration::OrderedSubmitter {
 public:
  explicit MutexSubmitter(haven::replication::ChangeSink& sink) : sink_(sink) {}
  haven::Status run(const Produce& produce) override {
    std::vector<haven::replication::ChangeSink::Ticket> tickets;
    {
      std::lock_guard lock(order_);
      std::vector<haven::replication::Change> out;
      if (auto s = produce(out); !s.ok()) return s;
      for (auto& c : out) tickets.push_back(sink_.submit(std::move(c)));
    }
    haven::Status result;
    for (auto t : tickets)
      if (auto s = sink_.wait(t); !s.ok() && result.ok()) result = s;
    return result;
  }

 private:
  haven::replication::ChangeSink& sink_;
  std::mutex order_;
};
