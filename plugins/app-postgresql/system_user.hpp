// The system user PostgreSQL runs as: its ids own the data folder and the run files.
#pragma once

#include <sys/types.h>

#include <string>

#include "haven/application_support.hpp"
#include "haven/result.hpp"

namespace haven::postgresql {

/// A system user, resolved from its name (the SDK's UserAccount).
using SystemUser = UserAccount;

/// Looks `name` up in the user database; not_found naming it when there is no such user.
Result<SystemUser> find_user(const std::string& name);

}  // namespace haven::postgresql
