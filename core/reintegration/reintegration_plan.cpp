#include "reintegration/reintegration_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace haven::reintegration {
namespace {

using replication::ByteRange;

// Names of each hard-link group of a manifest, sorted (the entries are).
using LinkGroups = std::map<std::uint64_t, std::vector<std::string>>;

LinkGroups groups_of(const TreeManifest& m) {
  LinkGroups groups;
  for (const auto& e : m.entries)
    if (e.link_group != 0) groups[e.link_group].push_back(e.path);
  return groups;
}

const std::vector<std::string>& names_of(const LinkGroups& groups, const ManifestEntry& e, std::vector<std::string>& single) {
  if (e.link_group == 0) {
    single = {e.path};
    return single;
  }
  return groups.at(e.link_group);
}

std::vector<std::string> stale_xattrs(const ManifestEntry& p, const ManifestEntry& s) {
  std::vector<std::string> stale;
  for (const auto& xattr : s.xattrs) {
    const std::string& name = xattr.first;
    const bool kept = std::any_of(p.xattrs.begin(), p.xattrs.end(), [&](const auto& x) { return x.first == name; });
    if (!kept) stale.push_back(name);
  }
  return stale;
}

bool attributes_differ(const ManifestEntry& p, const ManifestEntry& s) {
  return p.mode != s.mode || p.uid != s.uid || p.gid != s.gid || p.mtime_ns != s.mtime_ns || p.xattrs != s.xattrs;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

bool is_under(const std::string& path, const std::string& root) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/');
}

// The names directly in `folder` (the entries are sorted: its descendants follow it).
std::vector<std::string> children_of(const TreeManifest& m, const std::string& folder) {
  std::vector<std::string> names;
  const std::string prefix = folder + "/";
  // Everything below "d" starts with "d/" and sorts in one run from there ("d-x" sorts before it).
  auto it = std::lower_bound(m.entries.begin(), m.entries.end(), prefix, [](const ManifestEntry& e, const std::string& p) { return e.path < p; });
  for (; it != m.entries.end() && it->path.compare(0, prefix.size(), prefix) == 0; ++it) {
    const std::string rest = it->path.substr(prefix.size());
    if (rest.find('/') == std::string::npos) names.push_back(rest);
  }
  return names;
}

std::vector<ByteRange> whole_file(std::uint64_t size) {
  if (size == 0) return {};
  return {ByteRange{0, size}};
}

}  // namespace

const char* to_string(StepKind kind) noexcept {
  switch (kind) {
    case StepKind::remove: return "remove";
    case StepKind::make_directory: return "mkdir";
    case StepKind::create_file: return "create";
    case StepKind::make_symlink: return "symlink";
    case StepKind::make_node: return "mknod";
    case StepKind::hard_link: return "link";
    case StepKind::attributes: return "attributes";
  }
  return "unknown";
}

std::uint64_t ReintegrationPlan::data_bytes() const {
  std::uint64_t total = 0;
  for (const auto& f : files) total += replication::total_length(f.ranges);
  return total;
}

Result<ReintegrationPlan> full_plan(const TreeManifest& primary, const TreeManifest& secondary) {
  if (primary.block_size != secondary.block_size)
    return fail(Errc::invalid_argument, "cannot plan a full reintegration: the primary hashes blocks of " + std::to_string(primary.block_size) +
                                            " bytes, the secondary of " + std::to_string(secondary.block_size));
  const LinkGroups p_groups = groups_of(primary);
  const LinkGroups s_groups = groups_of(secondary);
  ReintegrationPlan plan;
  std::set<std::string> replaced;  // on both sides, but must be made again
  std::vector<PlanStep> removals;

  for (const auto& s : secondary.entries) {
    const ManifestEntry* p = find_entry(primary, s.path);
    bool remove = p == nullptr;
    if (p != nullptr) {
      std::vector<std::string> p_single, s_single;
      remove = p->type != s.type || p->symlink_target != s.symlink_target || p->rdev != s.rdev ||
               (p->type != EntryType::directory && names_of(p_groups, *p, p_single) != names_of(s_groups, s, s_single));
      if (remove) replaced.insert(s.path);
    }
    if (remove) removals.push_back({StepKind::remove, s.path, {}, s.type == EntryType::directory, p != nullptr, {}, {}});
  }
  // Deepest first: everything below a path sorts after it.
  std::sort(removals.begin(), removals.end(), [](const PlanStep& a, const PlanStep& b) { return a.path > b.path; });
  plan.prepare = std::move(removals);

  std::set<std::string> touched_folders;
  auto touch = [&](const std::string& path) { touched_folders.insert(parent_of(path)); };
  for (const auto& p : primary.entries) {
    const ManifestEntry* s = find_entry(secondary, p.path);
    const bool is_new = s == nullptr || replaced.contains(p.path);
    std::vector<std::string> single;
    const auto& names = names_of(p_groups, p, single);
    const bool leader = names.front() == p.path;
    if (is_new) touch(p.path);
    if (p.type == EntryType::directory) {
      if (is_new) plan.prepare.push_back({StepKind::make_directory, p.path, {}, false, false, {}, children_of(primary, p.path)});
      if (is_new || attributes_differ(p, *s)) plan.finish.push_back({StepKind::attributes, p.path, {}, true, false, is_new ? std::vector<std::string>{} : stale_xattrs(p, *s), {}});
      continue;
    }
    if (is_new && !leader) {
      plan.prepare.push_back({StepKind::hard_link, p.path, names.front(), false, false, {}, {}});
      continue;
    }
    if (!leader) continue;  // shares the leader's node, whose names match on both sides
    if (p.type == EntryType::regular) {
      if (is_new) {
        plan.prepare.push_back({StepKind::create_file, p.path, {}, false, false, {}, {}});
        plan.files.push_back({p.path, whole_file(p.size), false, {}, {names.begin() + 1, names.end()}});
        continue;
      }
      std::vector<ByteRange> ranges;
      if (p.hashes && s->hashes) {
        auto r = replication::ranges_to_send(*p.hashes, *s->hashes);
        if (!r.ok()) return std::move(r).error();
        ranges = std::move(*r);
      } else {
        ranges = whole_file(p.size);
      }
      // The secondary's longer tail is stale: planned as a range so that, if the application
      // grows the file live before this file's turn, what the primary has there then (zeros
      // of a truncate, say) is read and sent, and the secondary is cut to the primary's size.
      if (s->size > p.size) ranges.push_back({p.size, s->size - p.size});
      if (!ranges.empty() || p.size != s->size || attributes_differ(p, *s)) {
        plan.files.push_back({p.path, std::move(ranges), true, stale_xattrs(p, *s), {names.begin() + 1, names.end()}});
        touch(p.path);
      }
      continue;
    }
    if (is_new) {
      plan.prepare.push_back({p.type == EntryType::symlink ? StepKind::make_symlink : StepKind::make_node, p.path, {}, false, false, {}, {}});
      if (!p.xattrs.empty()) plan.finish.push_back({StepKind::attributes, p.path, {}, false, false, {}, {}});
    } else if (attributes_differ(p, *s)) {
      plan.finish.push_back({StepKind::attributes, p.path, {}, false, false, stale_xattrs(p, *s), {}});
      touch(p.path);
    }
  }
  // A folder whose entries change gets a new mtime on the secondary: set the primary's again.
  for (const auto& folder : touched_folders) {
    if (folder.empty()) continue;
    const bool planned = std::any_of(plan.finish.begin(), plan.finish.end(), [&](const PlanStep& s) { return s.path == folder; });
    if (!planned && find_entry(primary, folder) != nullptr) plan.finish.push_back({StepKind::attributes, folder, {}, true, false, {}, {}});
  }
  std::sort(plan.finish.begin(), plan.finish.end(), [](const PlanStep& a, const PlanStep& b) { return a.path > b.path; });
  return plan;
}

std::vector<std::string> whole_paths(const replication::ChangedRegions& regions) {
  std::vector<std::string> roots;
  for (const auto& region : regions) {  // sorted: an ancestor comes before its descendants
    const std::string& path = region.first;
    if (!region.second.whole) continue;
    if (!roots.empty() && is_under(path, roots.back())) continue;
    const bool covered = std::any_of(roots.begin(), roots.end(), [&](const std::string& r) { return is_under(path, r); });
    if (!covered) roots.push_back(path);
  }
  return roots;
}

Result<ReintegrationPlan> fast_plan(const replication::ChangedRegionsLog& record, const TreeManifest& primary_scope,
                                    const TreeManifest& secondary_scope, const TreeManifest* primary_links) {
  if (!record.intact())
    return fail(Errc::invalid_argument, "cannot plan a fast reintegration: the record of changed regions is damaged (" + record.damage() +
                                            "); run a full reintegration");
  return fast_plan(record.regions(), primary_scope, secondary_scope, primary_links);
}

Result<ReintegrationPlan> fast_plan(const replication::ChangedRegions& regions, const TreeManifest& primary_scope,
                                    const TreeManifest& secondary_scope, const TreeManifest* primary_links) {
  const LinkGroups groups = primary_links != nullptr ? groups_of(*primary_links) : LinkGroups{};
  auto other_names = [&](const std::string& path) {
    std::vector<std::string> others;
    const ManifestEntry* e = primary_links != nullptr ? find_entry(*primary_links, path) : nullptr;
    if (e == nullptr || e->link_group == 0) return others;
    for (const auto& name : groups.at(e->link_group))
      if (name != path) others.push_back(name);
    return others;
  };
  const std::vector<std::string> roots = whole_paths(regions);
  auto is_whole = [&](const std::string& path) {
    return std::any_of(roots.begin(), roots.end(), [&](const std::string& r) { return is_under(path, r); });
  };
  auto plan = full_plan(primary_scope, secondary_scope);
  if (!plan.ok()) return plan;
  std::set<std::string> folders;
  for (const auto& [path, changes] : regions) {
    if (is_whole(path)) continue;
    plan->files.push_back({path, changes.ranges, true, {}, other_names(path)});
  }
  // Names made or removed inside a folder move its mtime on the secondary.
  for (const auto& root : roots) folders.insert(parent_of(root));
  for (const auto& folder : folders) {
    if (folder.empty() || is_whole(folder)) continue;
    plan->finish.push_back({StepKind::attributes, folder, {}, true, false, {}, {}});
  }
  std::sort(plan->finish.begin(), plan->finish.end(), [](const PlanStep& a, const PlanStep& b) { return a.path > b.path; });
  return plan;
}

}  // namespace haven::reintegration
