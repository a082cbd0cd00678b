#include <catch2/catch.hpp>

#include "reintegration/reintegration_plan.hpp"
#include "reintegration/tree_report.hpp"
#include "replication/block_hashes.hpp"

using namespace haven::reintegration;
using haven::replication::ByteRange;

namespace {

constexpr std::uint64_t kBlock = haven::replication::kDefaultBlockSize;

ManifestEntry file(const std::string& path, const std::string& data) {
  ManifestEntry e;
  e.path = path;
  e.mode = 0644;
  e.size = data.size();
  auto h = haven::replication::hash_blocks(std::as_bytes(std::span(data)), kBlock);
  REQUIRE(h.ok());
  e.hashes = *h;
  return e;
}

ManifestEntry folder(const std::string& path) {
  ManifestEntry e;
  e.path = path;
  e.type = EntryType::directory;
  e.mode = 0755;
  return e;
}

TreeManifest manifest(std::vector<ManifestEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return TreeManifest{kBlock, std::move(entries)};
}

}  // namespace

TEST_CASE("a full plan sends only the blocks that differ") {
  std::string data(1024 * 1024, 'a');
  std::string changed = data;
  changed[300 * 1024] = 'b';
  auto plan = full_plan(manifest({file("f", data)}), manifest({file("f", changed)}));
  REQUIRE(plan.ok());
  CHECK(plan->prepare.empty());
  REQUIRE(plan->files.size() == 1);
  CHECK(plan->files[0].secondary_has_copy);
  CHECK(plan->files[0].ranges == std::vector<ByteRange>{{2 * kBlock, kBlock}});
  auto diff = rfsdiff(manifest({file("f", data)}), manifest({file("f", changed)}));
  REQUIRE(diff.ok());
  CHECK(diff->data_bytes == kBlock);
}

TEST_CASE("a full plan removes depth first what the primary lacks, and makes folders parent first") {
  auto plan = full_plan(manifest({folder("new"), folder("new/sub"), file("new/sub/f", "x")}),
                        manifest({folder("old"), folder("old/deep"), file("old/deep/f", "y"), file("old-sibling", "z")}));
  REQUIRE(plan.ok());
  std::vector<std::string> order;
  for (const auto& s : plan->prepare) order.push_back(std::string(to_string(s.kind)) + " " + s.path);
  CHECK(order == std::vector<std::string>{"remove old/deep/f", "remove old/deep", "remove old-sibling", "remove old",
                                          "mkdir new", "mkdir new/sub", "create new/sub/f"});
  REQUIRE(plan->files.size() == 1);
  CHECK_FALSE(plan->files[0].secondary_has_copy);
}

TEST_CASE("a name of another type, or with other hard links, is removed and made again") {
  ManifestEntry linked_a = file("a", "same");
  ManifestEntry linked_b = file("b", "same");
  linked_a.link_group = linked_b.link_group = 7;
  // The primary: a and b are one file; the secondary: two files, and "c" a folder there.
  auto plan = full_plan(manifest({linked_a, linked_b, file("c", "")}), manifest({file("a", "same"), file("b", "same"), folder("c")}));
  REQUIRE(plan.ok());
  std::vector<std::string> order;
  for (const auto& s : plan->prepare) order.push_back(std::string(to_string(s.kind)) + " " + s.path + (s.link_to.empty() ? "" : " -> " + s.link_to));
  CHECK(order == std::vector<std::string>{"remove c", "remove b", "remove a", "create a", "link b -> a", "create c"});
}

TEST_CASE("a fast plan sends the recorded ranges and plans the whole paths from their manifests") {
  haven::replication::ChangedRegions regions;
  haven::replication::add_range(regions["db"], {4096, 100});
  haven::replication::add_range(regions["db"], {10'000, 50});
  regions["new"].whole = true;
  regions["dir/gone"].whole = true;
  CHECK(whole_paths(regions) == std::vector<std::string>{"dir/gone", "new"});
  auto plan = fast_plan(regions, manifest({file("new", "hello")}), manifest({file("dir/gone", "bye")}));
  REQUIRE(plan.ok());
  REQUIRE(plan->files.size() == 2);
  CHECK(plan->files[0].path == "new");
  CHECK(plan->files[1].path == "db");
  CHECK(plan->files[1].ranges == std::vector<ByteRange>{{4096, 100}, {10'000, 50}});
  CHECK(plan->data_bytes() == 5 + 150);
  REQUIRE(plan->prepare.size() == 2);
  CHECK(plan->prepare[0].kind == StepKind::remove);
  CHECK(plan->prepare[0].path == "dir/gone");
}

TEST_CASE("rfsverify lists every path that differs and how") {
  ManifestEntry moved = file("m", "data");
  moved.mode = 0600;
  const auto primary = manifest({file("same", "s"), file("changed", "new!"), file("missing", "m"), moved});
  const auto local = manifest({file("same", "s"), file("changed", "old!"), file("extra", "e"), file("m", "data")});
  const auto diff = rfsverify(primary, local);
  CHECK(diff == std::vector<VerifyDifference>{{"changed", "contents"}, {"extra", "not on the primary"}, {"m", "mode"}, {"missing", "missing here"}});
  CHECK(rfsverify(primary, primary).empty());
}
