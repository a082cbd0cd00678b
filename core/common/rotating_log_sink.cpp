#include "common/rotating_log_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/common.h>

namespace haven {

RotatingLogSink::RotatingLogSink(std::filesystem::path file, LogRotationLimit limit)
    : file_(std::move(file)), limit_(limit) {
  open_file();
}

RotatingLogSink::~RotatingLogSink() {
  if (fd_ >= 0) ::close(fd_);
}

void RotatingLogSink::open_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) throw spdlog::spdlog_ex("cannot open the log " + file_.string() + ": " + std::strerror(errno));
}

bool RotatingLogSink::file_moved() const {
  struct stat named {}, held {};
  if (::stat(file_.c_str(), &named) != 0) return true;
  if (::fstat(fd_, &held) != 0) return true;
  return named.st_ino != held.st_ino || named.st_dev != held.st_dev;
}

void RotatingLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  if (fd_ < 0 || file_moved()) open_file();
  std::string failed_rotation;
  struct stat held {};
  if (::fstat(fd_, &held) == 0 && rotation_due(static_cast<std::uint64_t>(held.st_size), line.size(), limit_)) {
    auto rotated = rotate_log_file_if_due(file_, limit_, line.size(), RotationMethod::rename);
    if (!rotated.ok() && !rotation_failed_) failed_rotation = rotated.error().message;
    rotation_failed_ = !rotated.ok();
    if (file_moved()) open_file();
  }
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw spdlog::spdlog_ex("cannot write the log " + file_.string() + ": " + std::strerror(errno));
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  // Reported after the line is written: a line is never dropped for a bound.
  if (!failed_rotation.empty())
    throw spdlog::spdlog_ex(failed_rotation + " (the log keeps growing until this is fixed)");
}

void ForeignLogRotation::sink_it_(const spdlog::details::log_msg&) {
  auto rotated = rotate_log_file_if_due(file_, limit_, 0, RotationMethod::copy_truncate);
  if (rotated.ok()) {
    rotation_failed_ = false;
    return;
  }
  if (rotation_failed_) return;
  rotation_failed_ = true;
  throw spdlog::spdlog_ex(rotated.error().message + " (the log keeps growing until this is fixed)");
}

}  // namespace haven
