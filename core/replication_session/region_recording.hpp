// What a change the secondary will not receive leaves in the record of changed regions:
// the bytes a write (or fallocate) touched, or the whole path for anything else that changes
// a file's existence, name, size or attributes. fsync changes nothing.
#pragma once

#include <span>

#include "haven/result.hpp"
#include "replication/change_message.hpp"
#include "replication/changed_regions.hpp"

namespace haven::replication_session {

/// Appends what `change` altered to `log` (not yet durable: call log.sync() before the
/// change is acknowledged).
Status record_change(replication::ChangedRegionsLog& log, const replication::Change& change);

/// The same for a batch, in order; stops at the first error.
Status record_changes(replication::ChangedRegionsLog& log, std::span<const replication::Change> changes);

}  // namespace haven::replication_session
