// Changes the link tests send: a file created, bytes written.
#pragma once

#include <string>
#include <utility>

#include "replication/change_message.hpp"
#include "replication_apply/applier.hpp"

namespace haven::replication::testing {

/// `path` created empty, mode 0644, owner kept.
inline Change create_of(std::string path) {
  Change c;
  c.kind = ChangeKind::create;
  c.path = std::move(path);
  c.mode = 0644;
  c.uid = c.gid = kKeepOwner;
  return c;
}

/// `data` written at offset 0 of `path`.
inline Change write_of(std::string path, std::string data) {
  Change c;
  c.kind = ChangeKind::write;
  c.path = std::move(path);
  c.length = data.size();
  c.data = std::move(data);
  return c;
}

}  // namespace haven::replication::testing
