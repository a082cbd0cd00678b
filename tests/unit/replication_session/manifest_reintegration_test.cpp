// The seam filled with core/reintegration: a returning secondary gets only what changed
// (fast) when the record is intact, and the differing blocks plus removals (full) when not.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "replication_session/manifest_reintegration.hpp"
#include "session_pair.hpp"

using haven::replication_session::ReintegrationJob;
using haven::replication_session::testing::SessionPair;

using haven::replication_session::testing::write_at;

namespace {

// The secondary's manifest, built in this process from its directory (the agent will ask the
// secondary over the network).
haven::replication_session::Reintegrate reintegrate_against(SessionPair*& pair) {
  return haven::replication_session::manifest_reintegration(
      [&pair](const ReintegrationJob& job, const haven::reintegration::ManifestOptions& options) {
        return haven::reintegration::build_manifest(pair->lower_b(job.dir_index), options, "the secondary");
      });
}

}  // namespace

TEST_CASE("fast reintegration sends only what was recorded while the secondary was away", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair* self = nullptr;
  SessionPair pair(haven::config::AsyncMode::second, 1, reintegrate_against(self));
  self = &pair;
  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));
  write_at(pair.a() / "db.dat", 0, std::string(1 << 20, 'x'));
  write_at(pair.a() / "gone.dat", 0, "removed while alone");
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  REQUIRE(pair.differences() == "");

  pair.kill_secondary();
  write_at(pair.a() / "db.dat", 300000, "changed while alone");  // 19 bytes
  write_at(pair.a() / "alone.dat", 0, "created");                // 7 bytes
  REQUIRE(std::filesystem::remove(pair.a() / "gone.dat"));
  REQUIRE(pair.primary_events.wait_for([&] { return !pair.primary_events.lost.empty(); }));

  pair.start_secondary();  // its directory as it was: only the recorded part differs
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 2 || !pair.primary_events.failed.empty(); }));
  CHECK(pair.primary_events.failed.empty());
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
  const auto progress = pair.primary().state_json()["dirs"][0]["reintegration"];
  INFO(progress.dump());
  CHECK(progress["kind"] == "fast");
  CHECK(progress["bytes_total"] == 19 + 7);
  CHECK(progress["bytes_done"] == 19 + 7);
  CHECK(pair.primary().state_json()["dirs"][0]["recorded_paths"] == 0);
}

TEST_CASE("with a damaged record the reintegration is full: differing blocks sent, extra files removed", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair* self = nullptr;
  SessionPair pair(haven::config::AsyncMode::second, 1, reintegrate_against(self));
  self = &pair;
  // Before either side starts: one byte differs in a 1 MiB file, the secondary holds an extra file.
  write_at(pair.a() / "db.dat", 0, std::string(1 << 20, 'x'));
  write_at(pair.b() / "db.dat", 0, std::string(1 << 20, 'x'));
  write_at(pair.b() / "db.dat", 500000, "y");
  write_at(pair.b() / "stale.dat", 0, "only on the secondary");
  std::filesystem::create_directories(pair.primary_var() / "replication");
  std::ofstream(pair.primary_var() / "replication" / "changed-regions-0.log") << "not a record of changed regions";

  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(false).ok());
  CHECK(pair.primary().state_json()["dirs"][0]["record_intact"] == false);
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1 || !pair.primary_events.failed.empty(); }));
  CHECK(pair.primary_events.failed.empty());
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
  CHECK_FALSE(std::filesystem::exists(pair.b() / "stale.dat"));
  const auto progress = pair.primary().state_json()["dirs"][0]["reintegration"];
  INFO(progress.dump());
  CHECK(progress["kind"] == "full");
  // One 128 KiB block differs: that block, not the file.
  CHECK(progress["bytes_total"].get<std::uint64_t>() <= 128 * 1024);
  CHECK(pair.primary().state_json()["dirs"][0]["record_intact"] == true);  // emptied and rewritten
}

TEST_CASE("the record of an ALONE primary outlives its session: after a restart the reintegration is still fast", "[fuse]") {
  REQUIRE_FUSE_OR_SKIP();
  SessionPair* self = nullptr;
  SessionPair pair(haven::config::AsyncMode::second, 1, reintegrate_against(self));
  self = &pair;
  REQUIRE(pair.primary().become_primary(false).ok());
  write_at(pair.a() / "alone.dat", 0, "written while alone");  // 19 bytes
  pair.end_primary();

  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  CHECK(pair.primary().state_json()["dirs"][0]["recorded_paths"] == 1);
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1 || !pair.primary_events.failed.empty(); }));
  CHECK(pair.primary_events.failed.empty());
  REQUIRE(pair.secondary()->drain(std::chrono::seconds(20)).ok());
  CHECK(pair.differences() == "");
  const auto progress = pair.primary().state_json()["dirs"][0]["reintegration"];
  INFO(progress.dump());
  CHECK(progress["kind"] == "fast");
  CHECK(progress["bytes_total"] == 19);
}
