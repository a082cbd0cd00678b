// The replication code's name for the SDK's descriptor wrapper (haven/unique_fd.hpp).
#pragma once

#include "haven/unique_fd.hpp"

namespace haven::replication {

using haven::UniqueFd;

}  // namespace haven::replication
