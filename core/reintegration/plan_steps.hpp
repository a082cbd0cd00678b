// Turning one planned step into changes by reading the primary's tree as it is now. Each
// function runs under the ordering lock (inside OrderedSubmitter::run). A path that vanished
// or changed type since the plan is skipped: the live changes that did that were sent too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "reintegration/reintegration_plan.hpp"
#include "replication/change_message.hpp"

namespace haven::reintegration {

/// The changes for a prepare or finish step.
Status produce_step(int primary_fd, const PlanStep& step, std::vector<replication::Change>& out);

/// The changes copying [range.offset, +range.length) of a file: writes of its data, and, when
/// the secondary holds an older copy, hole punches where the primary has holes. Clipped to the
/// file's current size. `sent` receives the data bytes put in writes.
Status produce_file_range(int primary_fd, const FileWork& file, replication::ByteRange range,
                          std::vector<replication::Change>& out, std::uint64_t& sent);

/// The changes that make `path` and everything below it on a secondary that lacks it: nodes,
/// all data (holes skipped), attributes. Hard links inside arrive as separate files.
Status produce_subtree(int primary_fd, const std::string& path, std::vector<replication::Change>& out);

/// The changes ending a file: its size, owner, mode, stale xattrs removed, xattrs, times; and
/// each of file.other_names that no longer shares the file's node on the primary is unlinked
/// on the secondary and sent whole.
Status produce_file_end(int primary_fd, const FileWork& file, std::vector<replication::Change>& out);

}  // namespace haven::reintegration
