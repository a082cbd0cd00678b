#include "random_changes.hpp"

#include <fcntl.h>

#include <algorithm>

#include "replication_apply/applier.hpp"

using haven::replication::Change;
using haven::replication::ChangeKind;

std::string RandomChanges::new_name(const std::string& folder) {
  // Some names hold bytes a shell would choke on: they must replicate as they are.
  std::string name = (below(8) == 0 ? std::string("n\n\xff ") : std::string("n")) + std::to_string(++names_);
  return folder.empty() ? name : folder + "/" + name;
}

std::string RandomChanges::pick(const std::vector<std::string>& from) { return from[below(from.size())]; }

Change RandomChanges::next() {
  Change c;
  c.uid = haven::replication::kKeepOwner;
  c.gid = haven::replication::kKeepOwner;
  clock_ns_ += 1'000'003;
  c.mtime_ns = clock_ns_;
  const auto roll = below(100);
  if (files_.empty() || roll < 8) {
    if (folders_.size() < 40 && roll % 2 == 0) {
      c.kind = ChangeKind::mkdir;
      c.path = new_name(pick(folders_));
      c.mode = 0700 | static_cast<std::uint32_t>(below(0100));
      folders_.push_back(c.path);
    } else {
      c.kind = ChangeKind::create;
      c.path = new_name(pick(folders_));
      c.mode = 0600 | static_cast<std::uint32_t>(below(0100));
      files_.push_back(c.path);
    }
    return c;
  }
  c.path = pick(files_);
  if (roll < 60) {
    c.kind = ChangeKind::write;
    c.offset = below(64 * 1024);
    c.data.resize(1 + below(8192));
    for (auto& ch : c.data) ch = static_cast<char>(below(256));
    c.length = c.data.size();
  } else if (roll < 66) {
    c.kind = ChangeKind::truncate;
    c.length = below(70 * 1024);
  } else if (roll < 72) {
    c.kind = ChangeKind::rename;
    c.path2 = new_name(pick(folders_));
    c.mtime_ns = 0;
    std::replace(files_.begin(), files_.end(), c.path, c.path2);
  } else if (roll < 76) {
    c.kind = ChangeKind::link;
    c.path2 = new_name(pick(folders_));
    c.mtime_ns = 0;
    files_.push_back(c.path2);
  } else if (roll < 80) {
    c.kind = ChangeKind::symlink;
    c.path2 = "../" + c.path;  // a target is data, never followed
    c.path = new_name(pick(folders_));
  } else if (roll < 84) {
    c.kind = ChangeKind::chmod;
    c.mode = 0600 | static_cast<std::uint32_t>(below(0100));
    c.mtime_ns = 0;
  } else if (roll < 88) {
    c.kind = ChangeKind::setxattr;
    c.name = "user.k" + std::to_string(below(3));
    c.data = std::to_string(below(1000000));
    c.mtime_ns = 0;
  } else if (roll < 91) {
    c.kind = ChangeKind::utimens;
    c.atime_ns = clock_ns_;
  } else if (roll < 95) {
    c.kind = ChangeKind::unlink;
    c.mtime_ns = 0;
    files_.erase(std::find(files_.begin(), files_.end(), c.path));
  } else if (roll < 97) {
    c.kind = ChangeKind::fallocate;
    c.offset = below(64 * 1024);
    c.length = 1 + below(16 * 1024);
    c.flags = FALLOC_FL_KEEP_SIZE;
  } else {
    c.kind = ChangeKind::fsync;
    c.mtime_ns = 0;
    c.flags = static_cast<std::uint32_t>(below(2));
  }
  return c;
}
