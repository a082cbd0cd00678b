// spdlog sinks that keep haven's log files bounded (log_rotation.hpp says how and why).
#pragma once

#include <filesystem>
#include <mutex>

#include <spdlog/sinks/base_sink.h>

#include "common/log_rotation.hpp"

namespace haven {

/// Writes each formatted line with one O_APPEND write to a file, and rotates the file by
/// renaming it when the line would take it past `limit`. The size is the file's own (so the
/// lines other processes append, `haven printi`, count), and when another process renamed
/// the file the sink reopens the new one. A failed rotation is reported once through spdlog's
/// error handler and writing goes on in the live file: a line is never dropped for a bound.
/// Thread-safe (spdlog's sink mutex).
class RotatingLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  /// Opens (creates, mode 0640) `file`; throws spdlog::spdlog_ex naming it when it cannot.
  RotatingLogSink(std::filesystem::path file, LogRotationLimit limit);
  ~RotatingLogSink() override;
  RotatingLogSink(const RotatingLogSink&) = delete;
  RotatingLogSink& operator=(const RotatingLogSink&) = delete;

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}  // every line is one write(2): nothing is buffered

 private:
  void open_file();
  // True when `file_` no longer names the file the sink holds (renamed or removed by another).
  bool file_moved() const;

  std::filesystem::path file_;
  LogRotationLimit limit_;
  int fd_ = -1;
  bool rotation_failed_ = false;  // reported once, not at every line
};

/// Writes nothing: at each line logged (any level), rotates another file that other processes
/// append to (a module's userlog.ulog, written by its hooks) with copy-then-truncate when it
/// is past `limit`. This makes its owner (the module's agent) the only process that rotates
/// that file, without the writers knowing. Thread-safe.
class ForeignLogRotation final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ForeignLogRotation(std::filesystem::path file, LogRotationLimit limit) : file_(std::move(file)), limit_(limit) {}

  /// Changes the bound from the next line on (the module's userlogsize, once its
  /// configuration is loaded).
  void set_limit(LogRotationLimit limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = limit;
  }
  /// The bound in force.
  LogRotationLimit limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::filesystem::path file_;
  LogRotationLimit limit_;
  bool rotation_failed_ = false;
};

}  // namespace haven
