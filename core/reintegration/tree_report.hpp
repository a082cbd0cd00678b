// rfsdiff and rfsverify, pure over manifests so the CLI (through the agent) only has to
// fetch the other node's manifest: no tree is touched here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "reintegration/reintegration_plan.hpp"
#include "reintegration/tree_manifest.hpp"

namespace haven::reintegration {

/// One thing a reintegration would do: "remove", "mkdir", "create", "symlink", "mknod",
/// "link", "data", "attributes"; `bytes` of data for "data".
struct DiffLine {
  std::string path;
  std::string action;
  std::uint64_t bytes = 0;
  bool operator==(const DiffLine&) const = default;
};

struct DiffReport {
  std::vector<DiffLine> lines;  ///< in the order the reintegration runs them
  std::uint64_t data_bytes = 0;
};

/// rfsdiff, on the primary: what a full reintegration would send to a secondary described by
/// `secondary` (with hashes), from `primary` (the local tree, with hashes).
Result<DiffReport> rfsdiff(const TreeManifest& primary, const TreeManifest& secondary);

/// The same report for any plan (a fast one too).
DiffReport describe_plan(const ReintegrationPlan& plan);

/// One path that differs, for rfsverify.
struct VerifyDifference {
  std::string path;
  std::string what;  ///< "missing here", "not on the primary", "type", "contents", "size", ...
  bool operator==(const VerifyDifference&) const = default;
};

/// rfsverify, on the secondary: the paths where `local` differs from `primary` (both with
/// hashes; contents are compared only when both have them), sorted by path. Compares what
/// compare_trees compares by default: folders' mtimes are not compared.
std::vector<VerifyDifference> rfsverify(const TreeManifest& primary, const TreeManifest& local);

}  // namespace haven::reintegration
