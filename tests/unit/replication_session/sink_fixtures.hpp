// What the directory sink's tests share: a scratch folder with a descriptor, and a change.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "replication/change_message.hpp"
#include "replication_apply/applier.hpp"

namespace haven::replication_session::testing {

/// A folder under the temporary directory, opened (O_RDONLY), removed with its content.
struct SinkTempDir {
  std::filesystem::path path;
  int fd = -1;
  SinkTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "haven-sink-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
    fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  ~SinkTempDir() {
    ::close(fd);
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

/// The creation of an empty file at `path`, owners kept.
inline replication::Change create_of(std::string path) {
  replication::Change c;
  c.kind = replication::ChangeKind::create;
  c.path = std::move(path);
  c.mode = 0644;
  c.uid = c.gid = replication::kKeepOwner;
  return c;
}

}  // namespace haven::replication_session::testing
