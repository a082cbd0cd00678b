// The secondary's applier while a reintegration runs. Live changes then reach a tree that is
// not yet equal to the primary's: a write to a file reintegration has not created yet, the
// removal of a name the secondary never had, a mkdir over a folder it already holds. Such a
// change is skipped, not an error: reintegration reads that path from the primary later,
// under the same ordering lock, and sends its state then. Any other failure is an error.
#pragma once

#include "haven/result.hpp"
#include "replication/change_message.hpp"
#include "replication_apply/applier.hpp"

namespace haven::reintegration {

/// What apply_while_reintegrating did with a change.
enum class ApplyOutcome { applied, skipped };

/// Applies `change` with `applier` beneath `dir_fd` (the applier's directory), skipping it
/// when the node it acts on is missing (or, for mkdir, already a folder; for removexattr,
/// when the attribute is absent). The receiver uses it from the start of a reintegration until
/// the reintegrator reports success; afterwards the plain Applier again.
Result<ApplyOutcome> apply_while_reintegrating(replication::Applier& applier, int dir_fd, const replication::Change& change);

}  // namespace haven::reintegration
