// What an administrator does with a running pair beyond start/stop: the clean-up after an
// agent dies, resources (get/set), and failover off at run time.
#include <algorithm>
#include <catch2/catch.hpp>

#include "mirror_pair_nodes.hpp"
#include "pair_ports.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::MirrorPairNodes;
using haven::test::MirrorPairSettings;
namespace ports = haven::test::ports;
using ports::settings_on;

namespace {

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("when the primary's agent dies, havend runs its forced stop hooks so the application does not run on",
          "[integration][pair][crash]") {
  MirrorPairNodes pair(settings_on(ports::kCrashCleanup));
  pair.pair_up();
  pair.take_hook_record(1);

  REQUIRE(pair.kill_agent(1));
  std::vector<std::string> record;
  const bool cleaned = haven::test::wait_until(
      [&] {
        auto more = pair.take_hook_record(1);
        record.insert(record.end(), more.begin(), more.end());
        return has_line(record, "poststop PRIM STOP stop");
      },
      20s, 50ms);
  INFO([&] {
    std::string all;
    for (const auto& l : record) all += l + "\n";
    return all;
  }() << pair.module_log(1));
  REQUIRE(cleaned);
  CHECK(has_line(record, "stop_prim force PRIM STOP stop"));
  CHECK(has_line(record, "stop_both force PRIM STOP stop"));
  CHECK_THAT(pair.module_log(1), Catch::Contains("died while the module was PRIM"));
  // The peer took over meanwhile; the cleaned node restarts as its SECOND.
  pair.wait_for(2, "ALONE", "Ready");
  auto start = pair.command(1, "start");
  INFO(start.describe());
  REQUIRE(start.exit_code == 0);
  CHECK(pair.wait_for(1, "SECOND", "Ready").value("state", "") == "SECOND");
}

TEST_CASE("get shows the heartbeat and data resources; set changes custom ones and refuses haven's own",
          "[integration][pair][resources]") {
  MirrorPairNodes pair(settings_on(ports::kResources));
  pair.pair_up();

  auto& node1 = pair.node1();
  const bool lan_up = haven::test::wait_until(
      [&] {
        auto r = node1.haven({"get", "-m", MirrorPairNodes::kModule, "-r", "heartbeat.default"});
        return r.exit_code == 0 && r.out.find("up") != std::string::npos;
      },
      10s, 50ms);
  CHECK(lan_up);
  auto all = node1.haven_json({"get", "-m", MirrorPairNodes::kModule});
  INFO(all.dump());
  REQUIRE(all.is_array());
  auto value_of = [&](const std::string& name) {
    for (const auto& r : all)
      if (r.value("resource", "") == name) return r.value("value", "");
    return std::string("(absent)");
  };
  CHECK(value_of("rfs.uptodate") == "up");
  CHECK(value_of("usersetting.failover") == "on");

  auto set = node1.haven({"set", "-m", MirrorPairNodes::kModule, "-r", "custom.db", "-v", "down", "-i", "dbcheck"});
  INFO(set.describe());
  REQUIRE(set.exit_code == 0);
  auto got = node1.haven({"get", "-m", MirrorPairNodes::kModule, "-r", "custom.db"});
  CHECK(got.out == "down\n");
  CHECK_THAT(pair.module_log(1), Catch::Contains("Resource custom.db set to down by dbcheck"));

  auto refused = node1.haven({"set", "-m", MirrorPairNodes::kModule, "-r", "rfs.uptodate", "-v", "up"});
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("kept by haven itself"));
  auto bad_name = node1.haven({"set", "-m", MirrorPairNodes::kModule, "-r", "nodot", "-v", "up"});
  CHECK(bad_name.exit_code != 0);
  CHECK_THAT(bad_name.err, Catch::Contains("class.id"));
  auto missing = node1.haven({"get", "-m", MirrorPairNodes::kModule, "-r", "custom.nothing"});
  CHECK(missing.exit_code != 0);
}

TEST_CASE("failover off at run time: the secondary waits when the primary dies, and only prim promotes it",
          "[integration][pair][failover]") {
  MirrorPairNodes pair(settings_on(ports::kFailoverOff));
  pair.pair_up();

  auto off = pair.command(2, "failover", {"off"});
  INFO(off.describe());
  REQUIRE(off.exit_code == 0);
  CHECK(pair.state(2).value("failover", true) == false);

  REQUIRE(pair.kill_agent(1));
  auto waiting = pair.wait_for(2, "WAIT", "NotReady");
  INFO(waiting.dump() << "\n" << pair.module_log(2));
  CHECK(waiting.value("state", "") == "WAIT");
  // waitstate WAIT returns for a settled WAIT (NotReady), as scripts expect.
  auto waitstate = pair.node2().haven({"waitstate", "-m", MirrorPairNodes::kModule, "WAIT", "--timeout", "10"});
  INFO(waitstate.describe());
  CHECK(waitstate.exit_code == 0);
  // Twice the heartbeat timeout later it still has not taken over by itself.
  std::this_thread::sleep_for(2s);
  CHECK(pair.poll(2).state == "WAIT");

  auto prim = pair.command(2, "prim");
  INFO(prim.describe());
  REQUIRE(prim.exit_code == 0);
  CHECK(pair.wait_for(2, "ALONE", "Ready").value("state", "") == "ALONE");
}
