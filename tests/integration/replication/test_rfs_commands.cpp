// haven rfsdiff, rfsverify and the replication line of haven state on two real havend: the
// primary compares its copy with its secondary's, typed on the secondary they run on the
// primary, and state shows a reintegration's progress until the pair is in sync.
#include <catch2/catch.hpp>

#include <fstream>

#include "replicated_pair.hpp"
#include "wait_until.hpp"

using namespace haven::test;
using namespace std::chrono_literals;

namespace {

void write_file(const std::filesystem::path& file, const std::string& text) { REQUIRE(write_whole_file(file, text)); }

}  // namespace

TEST_CASE("rfsdiff and rfsverify run on the primary, typed on the secondary they run there too, and state "
          "shows the reintegration until in sync",
          "[integration][replication]") {
  std::string why;
  if (!can_replicate(why)) {
    WARN("skipped: " << why);
    return;
  }
  // Reintegration capped at 512 KB/s: the 3 MiB written while node2 is away take seconds.
  ReplicatedPair rp(28965, 65, "async=\"second\" reiallowedbw=\"512\" reipacketsize=\"65536\"");
  auto& pair = rp.nodes();
  pair.pair_up();

  write_file(rp.data(1) / "hello.txt", "hello from node1\n");
  write_file(rp.data(1) / "some.bin", pseudo_random(256 * 1024, 1));
  std::string diffs;
  REQUIRE(wait_until([&] { return (diffs = rp.differences()).empty(); }, 10s));

  // In sync: nothing to send, every path equal.
  auto diff = pair.command(1, "rfsdiff");
  INFO(diff.describe());
  CHECK(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("in sync: a full reintegration would send nothing"));
  auto diff_json = pair.node(1).haven({"--json", "rfsdiff", "-m", MirrorPairNodes::kModule});
  INFO(diff_json.describe());
  REQUIRE(diff_json.exit_code == 0);
  const auto diff_data = nlohmann::json::parse(diff_json.out);
  REQUIRE(diff_data["dirs"].size() == 1);
  CHECK(diff_data["dirs"][0]["actions"].empty());
  CHECK(diff_data["dirs"][0].value("data_bytes", 1) == 0);

  auto verify = pair.command(1, "rfsverify");
  INFO(verify.describe());
  CHECK(verify.exit_code == 0);
  CHECK_THAT(verify.out, Catch::Contains("verified: the secondary's copy is equal"));

  // Typed on the secondary: the agent there refuses naming the primary, and the CLI asks the
  // primary through the relay.
  auto forwarded = pair.command(2, "rfsverify");
  INFO(forwarded.describe());
  CHECK(forwarded.exit_code == 0);
  CHECK_THAT(forwarded.err, Catch::Contains("secondary on this node: rfsverify runs on the primary node1"));
  CHECK_THAT(forwarded.out, Catch::Contains("verified: the secondary's copy is equal"));
  auto forwarded_json = pair.node(2).haven({"--json", "rfsverify", "-m", MirrorPairNodes::kModule});
  INFO(forwarded_json.describe());
  CHECK(forwarded_json.exit_code == 0);
  CHECK(nlohmann::json::parse(forwarded_json.out, nullptr, false).contains("dirs"));

  auto state2 = pair.command(2, "state");
  INFO(state2.describe());
  CHECK_THAT(state2.out, Catch::Contains("replication: secondary, in sync"));

  // node2 away: node1 goes on alone and records what it writes.
  REQUIRE(pair.command(2, "stop").exit_code == 0);
  REQUIRE(rp.wait_state(1, "ALONE", "Ready").state == "ALONE");
  const auto big = pseudo_random(3 * 1024 * 1024, 7);
  write_file(rp.data(1) / "written-alone.bin", big);
  auto alone = pair.command(1, "state");
  INFO(alone.describe());
  CHECK_THAT(alone.out, Catch::Contains("replication: primary, not in sync"));

  // node2 back: node1's state shows the reintegration running, then in sync.
  auto started = pair.command(2, "start", {"--no-wait"});
  INFO(started.describe());
  REQUIRE(started.exit_code == 0);
  bool progress_seen = false;
  std::string last;
  const bool in_sync = wait_until(
      [&] {
        last = pair.command(1, "state", {"-v"}).out;
        if (last.find("reintegration ") != std::string::npos) progress_seen = true;
        return last.find("replication: primary, in sync") != std::string::npos;
      },
      60s);
  INFO("last state of node1:\n" << last << "\nnode1 log:\n" << pair.module_log(1));
  REQUIRE(in_sync);
  if (!progress_seen) WARN("the reintegration ended between two polls of haven state");
  CHECK_THAT(last, Catch::Contains(": connected, "));
  REQUIRE(rp.wait_state(2, "SECOND", "Ready").substate == "Ready");

  // Level again: rfsverify and rfsdiff on node1 list nothing.
  verify = pair.command(1, "rfsverify");
  INFO(verify.describe());
  CHECK(verify.exit_code == 0);
  CHECK_THAT(verify.out, Catch::Contains("verified: the secondary's copy is equal"));
  diff = pair.command(1, "rfsdiff");
  INFO(diff.describe());
  CHECK(diff.exit_code == 0);
  CHECK_THAT(diff.out, Catch::Contains("would send nothing"));
}
