// What a node knows of its own copy of a module's data, kept across restarts and crashes.
//
// The behaviour decides (SaveKnowledge actions); this file only stores the decision. A file
// that cannot be read back is an error, never a default: defaulting could make a node with
// stale data believe it may become primary.
#pragma once

#include <filesystem>

#include "haven/behaviour.hpp"
#include "haven/result.hpp"

namespace haven {

/// Reads the knowledge saved by save_knowledge (normally HavenPaths::knowledge_file(module)).
/// A missing file gives the first-start default (not up to date, no role, generation 0).
/// A file that exists but is not valid gives parse_error or invalid_argument naming the
/// file and what is wrong; io_error when it cannot be read.
[[nodiscard]] Result<NodeKnowledge> load_knowledge(const std::filesystem::path& file);

/// Writes `known` as JSON, atomically (temporary file, fsync, rename, fsync of the folder),
/// creating missing folders. io_error naming the file when the system refuses.
[[nodiscard]] Status save_knowledge(const std::filesystem::path& file, const NodeKnowledge& known);

}  // namespace haven
