// A replicated mirror pair on two real havend: what the primary's application writes is on
// the secondary, read-only there, and the secondary takes over with it; the old primary
// comes back as SECOND and is brought level.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "replicated_pair.hpp"
#include "wait_until.hpp"

using namespace haven::test;
using namespace std::chrono_literals;

namespace {

void write_file(const std::filesystem::path& file, const std::string& text) { REQUIRE(write_whole_file(file, text)); }
std::string read_file(const std::filesystem::path& file) { return read_whole_file(file); }

}  // namespace

TEST_CASE("replicated pair: the secondary holds every write, read-only, and takes over with it",
          "[integration][replication]") {
  std::string why;
  if (!can_replicate(why)) {
    WARN("skipped: " << why);
    return;
  }
  ReplicatedPair rp(28961, 61);
  auto& pair = rp.nodes();
  pair.pair_up();  // SECOND Ready: the replication layer said the secondary is in sync

  const auto state1 = pair.state(1);
  REQUIRE(state1.contains("replication"));
  CHECK(state1["replication"].value("role", "") == "primary");

  // The application on node1 writes: files, a folder, a big file, a symlink, modes.
  write_file(rp.data(1) / "hello.txt", "hello from node1\n");
  std::filesystem::create_directories(rp.data(1) / "sub" / "deeper");
  const std::string big = pseudo_random(3 * 1024 * 1024 + 17, 0);
  write_file(rp.data(1) / "sub" / "big.bin", big);
  std::filesystem::create_symlink("../hello.txt", rp.data(1) / "sub" / "link");
  std::filesystem::permissions(rp.data(1) / "hello.txt", std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write |
                                                             std::filesystem::perms::group_read);
  write_file(rp.data(1) / "gone.txt", "removed soon");
  std::filesystem::rename(rp.data(1) / "gone.txt", rp.data(1) / "sub" / "deeper" / "moved.txt");

  // Replicated synchronously: once the writes returned, node2 has them (async="second":
  // received; applied right after), so the copies become equal at once or nearly.
  std::string diffs;
  CHECK(wait_until([&] { return (diffs = rp.differences()).empty(); }, 10s));
  INFO(diffs);
  CHECK(diffs.empty());
  CHECK(read_file(rp.data(2) / "sub" / "big.bin") == big);

  // The secondary's application sees its copy read-only.
  const int fd = ::open((rp.data(2) / "new.txt").c_str(), O_CREAT | O_WRONLY, 0644);
  const int err = errno;
  if (fd >= 0) ::close(fd);
  CHECK(fd < 0);
  CHECK(err == EROFS);

  // Planned failover: node1 stops, node2 takes over with the data, and writes.
  REQUIRE(pair.command(1, "stop").exit_code == 0);
  CHECK(rp.wait_state(2, "ALONE", "Ready").state == "ALONE");
  CHECK(read_file(rp.data(2) / "hello.txt") == "hello from node1\n");
  write_file(rp.data(2) / "from-node2.txt", "written while node1 was away\n");
  write_file(rp.data(2) / "hello.txt", "hello, changed by node2\n");
  std::filesystem::remove(rp.data(2) / "sub" / "big.bin");

  // node1 comes back: SECOND, brought level with node2 (it missed those writes), then Ready.
  REQUIRE(pair.command(1, "start").exit_code == 0);
  CHECK(rp.wait_state(1, "SECOND", "Ready").substate == "Ready");
  CHECK(rp.wait_state(2, "PRIM", "Ready").state == "PRIM");
  diffs = rp.differences();
  INFO(diffs);
  CHECK(diffs.empty());
  CHECK(read_file(rp.data(1) / "from-node2.txt") == "written while node1 was away\n");
  CHECK_FALSE(std::filesystem::exists(rp.data(1) / "sub" / "big.bin"));
  CHECK(pair.state(2)["replication"].value("role", "") == "primary");
}

TEST_CASE("a SECOND not yet brought level does not take over when the primary's agent dies; primforce does",
          "[integration][replication]") {
  std::string why;
  if (!can_replicate(why)) {
    WARN("skipped: " << why);
    return;
  }
  // Reintegration capped at 256 KB/s in 64 KiB packets: 8 MiB written while node2 was away
  // take half a minute.
  ReplicatedPair rp(28963, 63, "reiallowedbw=\"256\" reipacketsize=\"65536\"");
  auto& pair = rp.nodes();
  REQUIRE(pair.command(1, "prim").exit_code == 0);
  REQUIRE(rp.wait_state(1, "ALONE", "Ready").state == "ALONE");
  const std::string data = pseudo_random(8 * 1024 * 1024, 7);
  write_file(rp.data(1) / "written-alone.bin", data);

  // --no-wait: a plain start waits until the SECOND settles, that is until it is level.
  const auto started = pair.command(2, "start", {"--no-wait"});
  INFO(started.describe());
  REQUIRE(started.exit_code == 0);
  REQUIRE(rp.wait_state(1, "PRIM", "Ready").state == "PRIM");
  REQUIRE(rp.wait_state(2, "SECOND", "").state == "SECOND");
  auto second = pair.state(2);
  INFO("node2 " << second.dump() << "\nnode1 log:\n" << pair.module_log(1));
  REQUIRE(second.value("state", "") == "SECOND");
  CHECK(second.value("substate", "") == "Transient");
  CHECK_FALSE(second.value("uptodate", true));

  REQUIRE(pair.kill_agent(1));
  auto waiting = pair.wait_for(2, "WAIT", "NotReady");
  INFO("node2 " << waiting.dump() << "\nnode2 log:\n" << pair.module_log(2));
  CHECK(waiting.value("state", "") == "WAIT");
  CHECK_THAT(waiting.value("reason", ""), Catch::Contains("not be up to date"));
  CHECK_FALSE(waiting.value("uptodate", true));

  // Only the administrator can accept the loss: prim is refused, prim --force (primforce) is not.
  auto refused = pair.command(2, "prim");
  INFO(refused.describe());
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("primforce"));
  auto forced = pair.command(2, "prim", {"--force"});
  INFO(forced.describe());
  REQUIRE(forced.exit_code == 0);
  CHECK(rp.wait_state(2, "ALONE", "Ready").state == "ALONE");
  CHECK(pair.state(2).value("uptodate", false));
}
