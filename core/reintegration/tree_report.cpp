#include "reintegration/tree_report.hpp"

#include <map>

namespace haven::reintegration {
namespace {

std::map<std::uint64_t, std::vector<std::string>> groups_of(const TreeManifest& m) {
  std::map<std::uint64_t, std::vector<std::string>> groups;
  for (const auto& e : m.entries)
    if (e.link_group != 0) groups[e.link_group].push_back(e.path);
  return groups;
}

std::vector<std::string> names(const std::map<std::uint64_t, std::vector<std::string>>& groups, const ManifestEntry& e) {
  return e.link_group == 0 ? std::vector<std::string>{e.path} : groups.at(e.link_group);
}

}  // namespace

DiffReport describe_plan(const ReintegrationPlan& plan) {
  DiffReport report;
  for (const auto& s : plan.prepare) report.lines.push_back({s.path, to_string(s.kind), 0});
  for (const auto& f : plan.files) {
    const auto bytes = replication::total_length(f.ranges);
    report.lines.push_back({f.path, "data", bytes});
    report.data_bytes += bytes;
  }
  for (const auto& s : plan.finish) report.lines.push_back({s.path, to_string(s.kind), 0});
  return report;
}

Result<DiffReport> rfsdiff(const TreeManifest& primary, const TreeManifest& secondary) {
  auto plan = full_plan(primary, secondary);
  if (!plan.ok()) return std::move(plan).error();
  return describe_plan(*plan);
}

std::vector<VerifyDifference> rfsverify(const TreeManifest& primary, const TreeManifest& local) {
  const auto p_groups = groups_of(primary);
  const auto l_groups = groups_of(local);
  std::map<std::string, std::vector<std::string>> found;
  for (const auto& p : primary.entries) {
    const ManifestEntry* l = find_entry(local, p.path);
    auto& what = found[p.path];
    if (l == nullptr) {
      what.push_back("missing here");
      continue;
    }
    if (p.type != l->type) {
      what.push_back(std::string("type (primary: ") + to_string(p.type) + ", here: " + to_string(l->type) + ")");
      continue;
    }
    if (p.symlink_target != l->symlink_target) what.push_back("symbolic link target");
    if (p.rdev != l->rdev) what.push_back("device number");
    if (p.mode != l->mode && p.type != EntryType::symlink) what.push_back("mode");
    if (p.uid != l->uid || p.gid != l->gid) what.push_back("owner");
    if (p.mtime_ns != l->mtime_ns && p.type != EntryType::directory) what.push_back("mtime");
    if (p.size != l->size) what.push_back("size");
    else if (p.hashes && l->hashes && p.hashes->hashes != l->hashes->hashes) what.push_back("contents");
    if (p.xattrs != l->xattrs) what.push_back("extended attributes");
    if (p.type != EntryType::directory && names(p_groups, p) != names(l_groups, *l)) what.push_back("hard links");
  }
  for (const auto& l : local.entries)
    if (find_entry(primary, l.path) == nullptr) found[l.path].push_back("not on the primary");
  std::vector<VerifyDifference> out;
  for (auto& [path, whats] : found)
    for (auto& w : whats) out.push_back({path, std::move(w)});
  return out;
}

}  // namespace haven::reintegration
