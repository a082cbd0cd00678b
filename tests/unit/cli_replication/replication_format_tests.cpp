#include <catch2/catch.hpp>

#include "replication_format.hpp"

using haven::cli::human_bytes;
using haven::cli::replication_directory_lines;
using haven::cli::replication_line;
using haven::cli::rfsdiff_text;
using haven::cli::rfsverify_all_equal;
using haven::cli::rfsverify_text;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

json copying(std::uint64_t done, std::uint64_t total, double rate, double left) {
  return {{"kind", "full"},         {"phase", "copying"},         {"bytes_done", done}, {"bytes_total", total},
          {"bytes_per_second", rate}, {"seconds_remaining", left}, {"finished", false}};
}

}  // namespace

TEST_CASE("human_bytes uses binary units with one decimal above bytes", "[cli][replication]") {
  CHECK(human_bytes(0) == "0 B");
  CHECK(human_bytes(1023) == "1023 B");
  CHECK(human_bytes(1536) == "1.5 KiB");
  CHECK(human_bytes(120 * kMiB) == "120.0 MiB");
  CHECK(human_bytes(3ull * 1024 * kMiB) == "3.0 GiB");
}

TEST_CASE("state shows a running reintegration's percentage, sizes, rate and time left", "[cli][replication]") {
  json r{{"role", "primary"},
         {"in_sync", false},
         {"reintegrating", true},
         {"dirs", {{{"dir", "/data"}, {"connected", true}, {"reintegration", copying(120 * kMiB, 286 * kMiB + kMiB / 10, 35.2 * kMiB, 4.6)}}}}};
  CHECK(replication_line(r) == "replication: primary, reintegration full 41% (120.0/286.1 MiB, 35.2 MiB/s, 5 s left)");
}

TEST_CASE("state adds up the progress of several directories and keeps the longest time left", "[cli][replication]") {
  json r{{"role", "primary"},
         {"in_sync", false},
         {"reintegrating", true},
         {"dirs",
          {{{"dir", "/a"}, {"reintegration", copying(50 * kMiB, 100 * kMiB, 10 * kMiB, 5)}},
           {{"dir", "/b"}, {"reintegration", copying(0, 100 * kMiB, 10 * kMiB, 125)}}}}};
  CHECK(replication_line(r) == "replication: primary, reintegration full 25% (50.0/200.0 MiB, 20.0 MiB/s, 2 min 5 s left)");
}

TEST_CASE("state says when the reintegration still compares the trees", "[cli][replication]") {
  json r{{"role", "primary"},
         {"in_sync", false},
         {"reintegrating", true},
         {"dirs", {{{"dir", "/a"}, {"reintegration", {{"kind", "fast"}, {"phase", "comparing"}}}}}}};
  CHECK(replication_line(r) == "replication: primary, reintegration fast: comparing the primary's and the secondary's trees");
}

TEST_CASE("state shows in sync, and a finished reintegration is not shown as running", "[cli][replication]") {
  auto done = copying(10, 10, 1, 0);
  done["finished"] = true;
  json r{{"role", "primary"}, {"in_sync", true}, {"dirs", {{{"dir", "/a"}, {"connected", true}, {"reintegration", done}}}}};
  CHECK(replication_line(r) == "replication: primary, in sync");
  CHECK(replication_directory_lines(r, "  ").find("reintegration") == std::string::npos);
  json s{{"role", "secondary"}, {"in_sync", true}, {"dirs", json::array()}};
  CHECK(replication_line(s) == "replication: secondary, in sync");
}

TEST_CASE("state says why a primary is not in sync", "[cli][replication]") {
  json lost{{"role", "primary"},
            {"in_sync", false},
            {"dirs", {{{"dir", "/a"}, {"connected", false}, {"lost", true}, {"lost_reason", "peer timed out"}}}}};
  CHECK(replication_line(lost) == "replication: primary, not in sync (secondary lost: peer timed out; writes are recorded)");
  json alone{{"role", "primary"}, {"in_sync", false}, {"dirs", {{{"dir", "/a"}, {"connected", false}, {"lost", false}}}}};
  CHECK(replication_line(alone).find("secondary not connected") != std::string::npos);
  json stopped{{"role", "stopped"}, {"in_sync", false}};
  CHECK(replication_line(stopped).rfind("replication: stopped", 0) == 0);
}

TEST_CASE("state -v shows each directory's link and counters", "[cli][replication]") {
  json r{{"role", "primary"},
         {"in_sync", true},
         {"dirs",
          {{{"dir", "/data"}, {"mounted", true}, {"connected", true}, {"changes_sent", 3}, {"bytes_sent", 2048},
            {"changes_recorded", 0}, {"record_intact", true}},
           {{"dir", "/logs"}, {"mounted", true}, {"connected", false}, {"lost", false}, {"changes_sent", 0},
            {"bytes_sent", 0}, {"changes_recorded", 1}, {"record_intact", false}}}}};
  CHECK(replication_directory_lines(r, "  ") ==
        "  /data: connected, 3 changes sent (2.0 KiB)\n"
        "  /logs: not connected, 0 changes sent (0 B), 1 change recorded (record incomplete: the next reintegration is full)\n");
  json s{{"role", "secondary"},
         {"dirs", {{{"dir", "/data"}, {"mounted", false}, {"port", 7001}, {"applied", 1}, {"in_sync", true}}}}};
  CHECK(replication_directory_lines(s, "") == "/data: receiving on port 7001, 1 change applied, in sync\n");
}

TEST_CASE("rfsdiff lists what would be sent and totals the bytes", "[cli][replication]") {
  json diff{{"module", "m"},
            {"dirs",
             {{{"dir", "/data"},
               {"data_bytes", 4096},
               {"actions", {{{"path", "a.txt"}, {"action", "data"}, {"bytes", 4096}}, {{"path", "old"}, {"action", "remove"}, {"bytes", 0}}}}},
              {{"dir", "/logs"}, {"data_bytes", 0}, {"actions", json::array()}}}}};
  const auto text = rfsdiff_text(diff);
  CHECK(text ==
        "/data: 2 actions, 4.0 KiB of data to send\n"
        "  data        a.txt  (4.0 KiB)\n"
        "  remove      old\n"
        "/logs: nothing to send, the secondary's copy is equal\n"
        "a full reintegration would send 4.0 KiB of data in 2 actions, in 1 of 2 directories\n");
}

TEST_CASE("rfsdiff of an in-sync pair says nothing would be sent", "[cli][replication]") {
  json diff{{"dirs", {{{"dir", "/data"}, {"data_bytes", 0}, {"actions", json::array()}}}}};
  CHECK(rfsdiff_text(diff).find("in sync: a full reintegration would send nothing (1 directory)") != std::string::npos);
}

TEST_CASE("rfsverify lists the paths that differ and says whether all is equal", "[cli][replication]") {
  json equal{{"dirs", {{{"dir", "/data"}, {"equal", true}, {"differences", json::array()}}}}};
  CHECK(rfsverify_all_equal(equal));
  CHECK(rfsverify_text(equal) ==
        "/data: equal on the primary and the secondary\n"
        "verified: the secondary's copy is equal to the primary's (1 directory)\n");
  json differs{{"dirs", {{{"dir", "/data"}, {"equal", false}, {"differences", {{{"path", "x"}, {"what", "contents"}}}}}}}};
  CHECK_FALSE(rfsverify_all_equal(differs));
  CHECK(rfsverify_text(differs) ==
        "/data: 1 path differs\n"
        "  x: contents\n"
        "NOT equal: 1 path differs in 1 of 1 directory\n");
}

TEST_CASE("state says how many writes wait for the decision about a lost secondary, and when the primary is fenced",
          "[cli][replication][fence]") {
  json held{{"role", "primary"},
            {"in_sync", false},
            {"fenced", false},
            {"dirs", {{{"dir", "/a"}, {"connected", false}, {"lost", true}, {"held", 2}},
                      {{"dir", "/b"}, {"connected", false}, {"lost", true}, {"held", 1}}}}};
  CHECK(replication_line(held) ==
        "replication: primary, secondary lost: 3 writes wait until this node goes on alone (ALONE, or the peer says it is "
        "behind) or leaves the role (they fail)");
  held["dirs"][1]["held"] = 0;
  held["dirs"][0]["held"] = 1;
  CHECK(replication_line(held).find(": 1 write waits until") != std::string::npos);
  json fenced{{"role", "primary"}, {"in_sync", true}, {"fenced", true}, {"dirs", json::array()}};
  CHECK(replication_line(fenced) == "replication: primary, fenced (leaving the primary role: writes fail)");
}
