// The system user PostgreSQL runs as: its ids own the data folder and the run files.
#pragma once

#include <sys/types.h>

#include <string>

#include "haven/result.hpp"

namespace haven::postgresql {

/// A system user, resolved from its name.
struct SystemUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<SystemUser> find_user(const std::string& name);

}  // namespace haven::postgresql
