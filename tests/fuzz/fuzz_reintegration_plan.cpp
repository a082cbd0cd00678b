// Reintegration planning from a hostile peer's tree manifest: decode_manifest on the peer's
// bytes, then full_plan and fast_plan (reintegration_plan.hpp) against a small primary tree
// the target makes from the input in /dev/shm (files, hard links, folders, FIFOs, sockets,
// xattrs, and symbolic links, some leading out of the tree to a secret file), whose real
// manifest build_manifest takes; then every step is turned into changes by plan_steps.hpp,
// reading that tree as the primary does.
//
// Input: byte 0 flags (bit 0: the primary hashes with 4 KiB blocks whatever the peer says,
// so block sizes may differ), byte 1 the number L of primary entries (at most 16), L records
// of 4 bytes (path from a table of 16, type and hard-link group, size, mode or link target),
// then R (at most 8) and R records of 3 bytes of the record of changed regions for fast_plan
// (path, whole or offset, length), then the peer's manifest (manifest_codec.hpp).
//
// Checked: no crash or sanitizer report; a manifest build_manifest made (as the secondary
// sends it) decodes to itself; every planned path, link target, other name and
// known child is safe (relative, no '.' or '..' part, no NUL, not empty) and comes from one
// of the two manifests or the record; the plan is bounded by the entries it was given (steps,
// names, ranges); removals run first, deepest first; in a full plan every creation and hard
// link finds its folder (and a hard link its target) there or made before it; every change produced
// decodes as the secondary will decode it, names a safe path, and never carries the secret
// behind the tree's links.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "fuzz_check.hpp"
#include "reintegration/manifest_codec.hpp"
#include "reintegration/plan_steps.hpp"
#include "reintegration/reintegration_plan.hpp"
#include "replication/change_message.hpp"
#include "replication/changed_regions.hpp"
#include "replication_apply/beneath_path.hpp"

namespace fs = std::filesystem;
using namespace haven;
using namespace haven::reintegration;
using haven::replication::Change;
using haven::replication::ChangeKind;

namespace {

constexpr const char* kSecret = "SECRET-CANARY-outside-the-primary-tree";

// Sorted as the manifests sort (byte order), so the records make parents before children.
const char* const kPaths[16] = {"a", "a/a", "a/b", "a/b/c", "b", "b/a", "c", "c/a", "d", "d/x", "e", "f\x01", "g h", "g h/i", "x", "x-y"};

const fs::path& work_folder() {
  // On the heap and never destroyed: the clean-up registered with atexit runs after the
  // static objects are destroyed (a static path would be gone by then).
  static const fs::path* folder = [] {
    std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
    std::string pattern = base + "/haven-fuzz-plan-XXXXXX";
    HAVEN_FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot make a work folder in " + base);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(work_folder(), ec);
    });
    fs::create_directories(fs::path(pattern) / "outside");
    const fs::path secret = fs::path(pattern) / "outside" / "secret";
    const int fd = ::open(secret.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    HAVEN_FUZZ_CHECK(fd >= 0 && ::write(fd, kSecret, std::strlen(kSecret)) > 0, "cannot write the secret");
    ::close(fd);
    return new fs::path(pattern);
  }();
  return *folder;
}

bool safe_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

struct Input {
  bool fixed_block = false;
  std::vector<std::array<std::uint8_t, 4>> entries;
  replication::ChangedRegions regions;
  std::span<const std::byte> peer;
};

bool parse_input(const std::uint8_t* data, std::size_t size, Input& in) {
  std::size_t at = 0;
  auto byte = [&](std::uint8_t& b) {
    if (at >= size) return false;
    b = data[at++];
    return true;
  };
  std::uint8_t flags = 0, count = 0;
  if (!byte(flags) || !byte(count)) return false;
  in.fixed_block = (flags & 1) != 0;
  for (unsigned i = 0; i < count % 17u; ++i) {
    std::array<std::uint8_t, 4> r{};
    for (auto& b : r)
      if (!byte(b)) return false;
    in.entries.push_back(r);
  }
  std::uint8_t regions = 0;
  if (!byte(regions)) return false;
  for (unsigned i = 0; i < regions % 9u; ++i) {
    std::uint8_t path = 0, where = 0, length = 0;
    if (!byte(path) || !byte(where) || !byte(length)) return false;
    auto& changes = in.regions[kPaths[path % 16]];
    if (where & 0x80)
      changes.whole = true;
    else
      replication::add_range(changes, {std::uint64_t{where} * 64, std::uint64_t{length} * 16 + 1});
  }
  in.peer = std::span(reinterpret_cast<const std::byte*>(data + at), size - at);
  return true;
}

// The primary's tree, made from the records: what is in the way of a record is left as it is.
void make_tree(const fs::path& root, const Input& in) {
  fs::create_directories(root);
  std::map<int, std::string> group_leader;
  const std::string outside = (root.parent_path() / "outside" / "secret").string();
  for (const auto& r : in.entries) {
    const std::string rel = kPaths[r[0] % 16];
    const fs::path p = root / rel;
    std::error_code ec;
    if (fs::symlink_status(p, ec).type() != fs::file_type::not_found) continue;
    const std::string parent = parent_of(rel);
    if (!parent.empty() && fs::symlink_status(root / parent, ec).type() != fs::file_type::directory) continue;
    const int type = (r[1] & 7) % 5;  // bit 3: an xattr, bits 4-6: the hard-link group
    const int group = (r[1] >> 4) & 7;
    const mode_t mode = 0600 | (r[3] & 0177);
    switch (type) {
      case 0: {
        if (group != 0 && group_leader.count(group) && ::link((root / group_leader[group]).c_str(), p.c_str()) == 0) break;
        const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0) continue;
        std::string content(std::size_t{r[2]} * 37, static_cast<char>('A' + r[3] % 26));
        if (!content.empty() && (r[3] & 0x40)) ::ftruncate(fd, static_cast<off_t>(content.size() * 3));  // a hole before the data
        if (!content.empty()) (void)::pwrite(fd, content.data(), content.size(), (r[3] & 0x40) ? static_cast<off_t>(content.size() * 2) : 0);
        ::close(fd);
        if (group != 0 && !group_leader.count(group)) group_leader[group] = rel;
        break;
      }
      case 1:
        ::mkdir(p.c_str(), mode | 0700);
        break;
      case 2: {
        const std::string targets[4] = {"a", "../outside/secret", outside, "a/../../../outside/secret"};
        (void)::symlink(targets[r[3] % 4].c_str(), p.c_str());
        break;
      }
      case 3:
        ::mkfifo(p.c_str(), mode);
        break;
      case 4:
        ::mknod(p.c_str(), S_IFSOCK | mode, 0);
        break;
    }
    if (r[1] & 0x08) (void)::lsetxattr(p.c_str(), r[2] & 1 ? "user.b" : "user.a", "value", 5, 0);
  }
}

struct PlanBounds {
  std::size_t primary = 0, secondary = 0, regions = 0, secondary_xattrs = 0;
};

void check_plan(const ReintegrationPlan& plan, const TreeManifest& primary, const TreeManifest& secondary,
                const replication::ChangedRegions* regions, const PlanBounds& b) {
  std::set<std::string> known;
  for (const auto& e : primary.entries) known.insert(e.path);
  for (const auto& e : secondary.entries) known.insert(e.path);
  if (regions)
    for (const auto& [path, _] : *regions) {
      known.insert(path);
      for (std::string p = parent_of(path); !p.empty(); p = parent_of(p)) known.insert(p);
    }
  auto check_path = [&](const std::string& path, const char* what) {
    HAVEN_FUZZ_CHECK(replication::is_safe_relative_path(path), std::string(what) + " '" + replication::printable_path(path) + "' is not safe");
    HAVEN_FUZZ_CHECK(known.contains(path), std::string(what) + " '" + replication::printable_path(path) + "' is in neither manifest");
  };
  std::size_t names = 0;
  for (const auto& s : plan.prepare) {
    check_path(s.path, "a prepared path");
    if (s.kind == StepKind::hard_link) check_path(s.link_to, "a hard link's target");
    for (const auto& child : s.known_children) HAVEN_FUZZ_CHECK(safe_name(child), "a known child that is not one name");
    names += 1 + s.known_children.size() + s.stale_xattrs.size();
  }
  for (const auto& f : plan.files) {
    check_path(f.path, "a file to copy");
    for (const auto& other : f.other_names) check_path(other, "another name of a file");
    for (const auto& x : f.stale_xattrs) HAVEN_FUZZ_CHECK(!x.empty() && x.find('\0') == std::string::npos, "a stale xattr name");
    names += 1 + f.other_names.size() + f.stale_xattrs.size();
    const auto* p = find_entry(primary, f.path);
    // Block ranges of the primary's file, and the secondary's longer tail: no more than that.
    HAVEN_FUZZ_CHECK(regions != nullptr || f.ranges.size() <= (p ? p->size / primary.block_size + 2 : 1),
                     std::to_string(f.ranges.size()) + " ranges for one file");
  }
  for (const auto& s : plan.finish) {
    check_path(s.path, "a finishing path");
    for (const auto& x : s.stale_xattrs) HAVEN_FUZZ_CHECK(!x.empty() && x.find('\0') == std::string::npos, "a stale xattr name");
    names += 1 + s.stale_xattrs.size();
  }
  const std::size_t P = b.primary, S = b.secondary, R = b.regions;
  HAVEN_FUZZ_CHECK(plan.prepare.size() <= P + S, std::to_string(plan.prepare.size()) + " prepare steps from " + std::to_string(P) + " + " +
                                                     std::to_string(S) + " entries");
  HAVEN_FUZZ_CHECK(plan.files.size() <= P + R, std::to_string(plan.files.size()) + " files");
  HAVEN_FUZZ_CHECK(plan.finish.size() <= 2 * P + R, std::to_string(plan.finish.size()) + " finishing steps");
  HAVEN_FUZZ_CHECK(names <= 6 * P + 2 * S + R * (P + 3) + b.secondary_xattrs,
                   std::to_string(names) + " names planned from " + std::to_string(P) + " + " + std::to_string(S) + " entries");

  // Order: removals first and deepest first; then creations whose folder (and link target) exist.
  std::set<std::string> present;
  for (const auto& e : secondary.entries) present.insert(e.path);
  bool removing = true;
  for (std::size_t i = 0; i < plan.prepare.size(); ++i) {
    const auto& s = plan.prepare[i];
    if (s.kind == StepKind::remove) {
      HAVEN_FUZZ_CHECK(removing, "a removal after a creation: '" + replication::printable_path(s.path) + "'");
      if (i > 0) HAVEN_FUZZ_CHECK(plan.prepare[i - 1].path > s.path, "removals are not deepest first");
      present.erase(s.path);
      continue;
    }
    removing = false;
    // A fast plan's scope manifests hold the recorded paths, not the folders above them.
    if (regions != nullptr) continue;
    const std::string folder = parent_of(s.path);
    HAVEN_FUZZ_CHECK(folder.empty() || present.contains(folder),
                     "'" + replication::printable_path(s.path) + "' is made before its folder");
    if (s.kind == StepKind::hard_link)
      HAVEN_FUZZ_CHECK(present.contains(s.link_to), "hard link '" + replication::printable_path(s.path) + "' to '" +
                                                        replication::printable_path(s.link_to) + "' before its target exists");
    present.insert(s.path);
  }
  for (std::size_t i = 1; i < plan.finish.size(); ++i)
    HAVEN_FUZZ_CHECK(plan.finish[i - 1].path >= plan.finish[i].path, "finishing steps are not deepest first");
}

void check_changes(const std::vector<Change>& changes, std::uint64_t& data_bytes) {
  for (const auto& c : changes) {
    const auto decoded = replication::decode(replication::encode(c));
    HAVEN_FUZZ_CHECK(decoded.ok(), "the primary produces a change the secondary refuses: " +
                                       (decoded.ok() ? std::string() : decoded.error().message) + " (" +
                                       replication::to_string(c.kind) + " of '" + replication::printable_path(c.path) + "')");
    HAVEN_FUZZ_CHECK(c.data.find(kSecret) == std::string::npos && c.name.find(kSecret) == std::string::npos,
                     "a change carries the secret from outside the tree: " + std::string(replication::to_string(c.kind)) + " of '" +
                         replication::printable_path(c.path) + "'");
    data_bytes += c.data.size();
  }
}

void produce(int primary_fd, const ReintegrationPlan& plan, std::uint64_t local_bytes) {
  std::vector<Change> out;
  std::uint64_t data = 0;
  for (const auto& step : plan.prepare) (void)produce_step(primary_fd, step, out);
  for (const auto& file : plan.files) {
    for (const auto& range : file.ranges) {
      std::uint64_t sent = 0;
      (void)produce_file_range(primary_fd, file, range, out, sent);
    }
    (void)produce_file_end(primary_fd, file, out);
  }
  for (const auto& step : plan.finish) (void)produce_step(primary_fd, step, out);
  check_changes(out, data);
  const std::uint64_t steps = plan.prepare.size() + 2 * plan.files.size() + plan.finish.size() + 1;
  HAVEN_FUZZ_CHECK(data <= steps * (local_bytes + 4096), std::to_string(data) + " bytes of data sent for a tree of " +
                                                             std::to_string(local_bytes) + " bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in;
  if (!parse_input(data, size, in)) return 0;
  auto peer = decode_manifest(in.peer);
  if (!peer.ok()) {
    HAVEN_FUZZ_CHECK(!peer.error().message.empty(), "a refusal says why");
    return 0;
  }
  const fs::path root = work_folder() / "primary";
  std::error_code ec;
  fs::remove_all(root, ec);
  make_tree(root, in);
  const int primary_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  HAVEN_FUZZ_CHECK(primary_fd >= 0, "cannot open the primary tree");

  ManifestOptions options;
  options.with_hashes = true;
  options.block_size = in.fixed_block ? 4096 : peer->block_size;
  auto local = build_manifest(primary_fd, options, "the fuzzed primary");
  HAVEN_FUZZ_CHECK(local.ok(), "cannot describe the primary tree: " + (local.ok() ? std::string() : local.error().message));
  // The secondary sends a manifest built this way: it must come through the codec as it was.
  const auto sent = decode_manifest(encode_manifest(*local));
  HAVEN_FUZZ_CHECK(sent.ok() && *sent == *local, "a manifest build_manifest made does not survive the codec: " +
                                                     (sent.ok() ? std::string("it changed") : sent.error().message));
  std::uint64_t local_bytes = 0;
  for (const auto& e : local->entries) local_bytes += e.size;

  PlanBounds bounds{local->entries.size(), peer->entries.size(), in.regions.size(), 0};
  for (const auto& e : peer->entries) bounds.secondary_xattrs += e.xattrs.size();

  auto full = full_plan(*local, *peer);
  if (!full.ok()) {
    HAVEN_FUZZ_CHECK(local->block_size != peer->block_size, "full_plan refused manifests of one block size: " + full.error().message);
  } else {
    check_plan(*full, *local, *peer, nullptr, bounds);
    produce(primary_fd, *full, local_bytes);
  }

  // Fast reintegration: the scope manifests are built with the record's whole paths as roots.
  ManifestOptions scoped = options;
  scoped.roots = whole_paths(in.regions);
  auto scope = build_manifest(primary_fd, scoped, "the fuzzed primary's scope");
  HAVEN_FUZZ_CHECK(scope.ok(), "cannot describe the primary's scope: " + (scope.ok() ? std::string() : scope.error().message));
  auto fast = fast_plan(in.regions, *scope, *peer, &*local);
  if (fast.ok()) {
    check_plan(*fast, *local, *peer, &in.regions, bounds);
    produce(primary_fd, *fast, local_bytes);
  } else {
    HAVEN_FUZZ_CHECK(scope->block_size != peer->block_size, "fast_plan refused manifests of one block size: " + fast.error().message);
  }
  ::close(primary_fd);
  return 0;
}
