// The resource section of a heartbeat (format version 2): round trips, the byte budget and
// truncation, and every refusal of a section that is authentic but wrong.
#include <catch2/catch.hpp>

#include <optional>
#include <utility>
#include <vector>

#include "heartbeat/heartbeat_message.hpp"
#include "test_key.hpp"

using namespace haven;
using haven::test::key_filled_with;
using haven::test::sample_message;
using haven::test::sample_with_resources;

namespace {

std::optional<HeartbeatRejection> rejection(std::span<const std::uint8_t> packet, const ClusterKey& key) {
  auto decoded = decode_or_reject(packet, key);
  if (auto* why = std::get_if<HeartbeatRejection>(&decoded)) return *why;
  return std::nullopt;
}

void resign(std::vector<std::uint8_t>& body, const ClusterKey& key) {
  auto mac = heartbeat_mac(body, key);
  body.insert(body.end(), mac.begin(), mac.end());
}

struct RawEntry {
  std::string name;
  std::uint8_t value = 1;
};

// An authentic packet whose resource section is written by hand: what a key holder with a
// bug would send. `count` defaults to the number of entries.
std::vector<std::uint8_t> packet_with_section(std::uint8_t flags, const std::vector<RawEntry>& entries,
                                              const ClusterKey& key, std::optional<std::uint8_t> count = {}) {
  auto m = sample_message();
  m.resources = {};
  auto packet = encode(m, key);
  packet.resize(packet.size() - kHeartbeatMacSize);
  packet.back() = flags;  // the body ends with the resource flags when no table is included
  if (flags & 1) {
    packet.push_back(count.value_or(static_cast<std::uint8_t>(entries.size())));
    for (const auto& e : entries) {
      packet.push_back(static_cast<std::uint8_t>(e.name.size()));
      packet.insert(packet.end(), e.name.begin(), e.name.end());
      packet.push_back(e.value);
    }
  }
  resign(packet, key);
  return packet;
}

std::map<std::string, std::string> many_resources(int n, std::size_t name_length) {
  std::map<std::string, std::string> table;
  for (int i = 0; i < n; ++i) {
    auto name = "custom." + std::to_string(1000 + i);
    name.resize(std::max(name_length, name.size()), 'x');
    table[name] = i % 2 ? "up" : "down";
  }
  return table;
}

}  // namespace

TEST_CASE("a heartbeat's resources survive an encode and decode round trip") {
  auto key = key_filled_with(4);
  auto m = sample_with_resources();
  SECTION("a table of every value") {}
  SECTION("an empty table") { m.resources.table.clear(); }
  SECTION("a table the sender marked truncated") { m.resources.truncated = true; }
  SECTION("only the generation, no table") {
    m.resources.table.clear();
    m.resources.included = false;
    m.resources.generation = 0xfffffffe;
  }
  SECTION("names of the shortest and longest lengths, with the characters a name may hold") {
    m.resources.table = {{"a.b", "up"},
                         {"module.mirror_2001:db8::2", "down"},
                         {"Z-_." + std::string(kMaxResourceNameLength - 4, 'q'), "on"}};
  }
  auto back = decode(encode(m, key), key);
  REQUIRE(back.ok());
  CHECK(*back == m);
}

TEST_CASE("a heartbeat without its table costs 29 bytes more than version 1 did; a table costs its entries") {
  auto key = key_filled_with(4);
  auto m = sample_message();
  const auto bare = encode(m, key).size();
  CHECK(bare == 97 + 5 + 24);  // node1/mirror: 97 bytes in version 1, +5 resources (v2), +24 freshness (v3)
  m.resources.included = true;
  m.resources.table = {{"custom.db", "up"}};
  CHECK(encode(m, key).size() == bare + 1 + wire_size_of_entry(9));
}

TEST_CASE("a table larger than the budget goes as its first resources by name, marked truncated") {
  auto key = key_filled_with(4);
  auto m = sample_with_resources();
  m.sender_node = std::string(kMaxNameLength, 'n');
  m.module = std::string(kMaxNameLength, 'm');
  m.resources.table = many_resources(40, 100);  // 40 × 102 bytes, far over the budget
  auto packet = encode(m, key);
  CHECK(packet.size() <= kHeartbeatMaxSize);
  auto back = decode(packet, key);
  REQUIRE(back.ok());
  CHECK(back->resources.truncated);
  const auto budget = heartbeat_resource_budget(m.sender_node, m.module);
  const auto kept = budget / wire_size_of_entry(100);
  REQUIRE(back->resources.table.size() == kept);
  auto expected = m.resources.table.begin();
  for (const auto& [name, value] : back->resources.table) {
    CHECK(name == expected->first);
    CHECK(value == expected->second);
    ++expected;
  }
  CHECK(encode(m, key) == packet);  // the same part every time
}

TEST_CASE("a table that fills the budget exactly makes a packet of the largest size and is not truncated") {
  auto key = key_filled_with(4);
  auto m = sample_with_resources();
  m.sender_node = std::string(kMaxNameLength, 'n');
  m.module = std::string(kMaxNameLength, 'm');
  const auto budget = heartbeat_resource_budget(m.sender_node, m.module);
  // Entries of 102 bytes, and one last entry that takes what is left.
  m.resources.table = many_resources(static_cast<int>(budget / 102), 100);
  const auto left = budget - (budget / 102) * 102;
  REQUIRE(left >= wire_size_of_entry(kMinResourceNameLength));
  REQUIRE(left <= wire_size_of_entry(kMaxResourceNameLength));
  m.resources.table["zz." + std::string(left - 2 - 3, 'z')] = "up";
  auto packet = encode(m, key);
  CHECK(packet.size() == kHeartbeatMaxSize);
  auto back = decode(packet, key);
  REQUIRE(back.ok());
  CHECK_FALSE(back->resources.truncated);
  CHECK(back->resources.table == m.resources.table);
}

TEST_CASE("no more than the maximum count of resources goes in one heartbeat") {
  auto key = key_filled_with(4);
  auto m = sample_message();
  m.sender_node = "a";
  m.module = "b";
  m.resources.included = true;
  for (std::size_t i = 0; i < kMaxHeartbeatResources + 20; ++i) m.resources.table["c." + std::to_string(100 + i)] = "up";
  auto back = decode(encode(m, key), key);
  REQUIRE(back.ok());
  CHECK(back->resources.table.size() == kMaxHeartbeatResources);
  CHECK(back->resources.truncated);
}

TEST_CASE("a resource the wire cannot carry is left out, and a value it does not know goes as unknown") {
  auto key = key_filled_with(4);
  auto m = sample_with_resources();
  m.resources.table["proc.my daemon"] = "up";  // a space
  m.resources.table["custom.weird"] = "sideways";
  auto back = decode(encode(m, key), key);
  REQUIRE(back.ok());
  CHECK(back->resources.truncated);
  CHECK(back->resources.table.count("proc.my daemon") == 0);
  CHECK(back->resources.table.at("custom.weird") == "unknown");
  CHECK(back->resources.table.at("custom.peerdb") == "down");
}

TEST_CASE("the wire's resource names and values are those of the resource table") {
  CHECK(is_wire_resource_name("custom.db"));
  CHECK(is_wire_resource_name("module.m_2001:db8::1"));
  CHECK(is_wire_resource_name("heartbeat.flow-2"));
  CHECK_FALSE(is_wire_resource_name("ab"));
  CHECK_FALSE(is_wire_resource_name("nodot"));
  CHECK_FALSE(is_wire_resource_name(".db"));
  CHECK_FALSE(is_wire_resource_name("custom."));
  CHECK_FALSE(is_wire_resource_name("custom.d b"));
  CHECK_FALSE(is_wire_resource_name("custom.d\x01"));
  CHECK_FALSE(is_wire_resource_name("c." + std::string(kMaxResourceNameLength - 1, 'x')));
  for (const char* v : {"init", "up", "down", "unknown", "on", "off"}) {
    auto code = resource_value_code(v);
    REQUIRE(code);
    CHECK(to_string(*code) == v);
  }
  CHECK_FALSE(resource_value_code("UP"));
  CHECK_FALSE(resource_value_code(""));
}

TEST_CASE("a packet longer than the largest heartbeat is refused as too long, before anything else") {
  auto key = key_filled_with(4);
  std::vector<std::uint8_t> packet(kHeartbeatMaxSize + 1, 0);
  auto why = rejection(packet, key);
  REQUIRE(why);
  CHECK(why->reason == DropReason::too_long);
  CHECK_THAT(why->detail, Catch::Contains("1201 bytes"));
  packet.resize(kHeartbeatMaxSize);
  why = rejection(packet, key);
  REQUIRE(why);
  CHECK(why->reason == DropReason::bad_magic);
}

TEST_CASE("a version 1 or 2 heartbeat is refused, saying every node needs this build") {
  auto key = key_filled_with(4);
  for (std::uint8_t version : {1, 2}) {
    auto packet = encode(sample_message(), key);
    packet[4] = version;
    auto why = rejection(packet, key);
    REQUIRE(why);
    CHECK(why->reason == DropReason::unknown_version);
    CHECK_THAT(why->detail, Catch::Contains("format version " + std::to_string(version)) &&
                                Catch::Contains("upgrade haven on every node"));
  }
}

TEST_CASE("an authentic but wrong resource section is refused and the detail says what is wrong") {
  auto key = key_filled_with(4);
  const std::vector<RawEntry> two{{"custom.a", 1}, {"custom.b", 2}};
  std::vector<std::uint8_t> packet;
  DropReason expected = DropReason::bad_field;
  std::string says;
  SECTION("an unknown flag bit") {
    packet = packet_with_section(0x05, two, key);
    says = "resource flags";
  }
  SECTION("truncated without a table") {
    packet = packet_with_section(0x02, {}, key);
    says = "resource flags";
  }
  SECTION("more resources than allowed") {
    packet = packet_with_section(0x01, two, key, static_cast<std::uint8_t>(kMaxHeartbeatResources + 1));
    says = "resource count";
  }
  SECTION("a count larger than the entries present") {
    packet = packet_with_section(0x01, two, key, 3);
    expected = DropReason::truncated_field;
    says = "resource name";
  }
  SECTION("a name that runs past the end") {
    packet = packet_with_section(0x01, {{"custom.a", 1}}, key);
    packet.resize(packet.size() - kHeartbeatMacSize);
    packet.resize(packet.size() - 1);  // drop the value: the length byte now overruns
    packet[packet.size() - 9] = 20;  // the length byte of "custom.a"
    resign(packet, key);
    expected = DropReason::truncated_field;
    says = "resource name";
  }
  SECTION("a missing value byte") {
    packet = packet_with_section(0x01, {{"custom.a", 1}}, key);
    packet.erase(packet.end() - static_cast<std::ptrdiff_t>(kHeartbeatMacSize) - 1,
                 packet.end() - static_cast<std::ptrdiff_t>(kHeartbeatMacSize));
    packet.resize(packet.size() - kHeartbeatMacSize);
    resign(packet, key);
    expected = DropReason::truncated_field;
    says = "resource value";
  }
  SECTION("an empty name") {
    packet = packet_with_section(0x01, {{"", 1}}, key);
    says = "no valid name";
  }
  SECTION("a name without a class") {
    packet = packet_with_section(0x01, {{"database", 1}}, key);
    says = "no valid name";
  }
  SECTION("a control character in a name") {
    packet = packet_with_section(0x01, {{"custom.d\n", 1}}, key);
    says = "no valid name";
  }
  SECTION("a name longer than allowed") {
    packet = packet_with_section(0x01, {{"c." + std::string(kMaxResourceNameLength, 'x'), 1}}, key);
    says = "no valid name";
  }
  SECTION("names out of order") {
    packet = packet_with_section(0x01, {{"custom.b", 1}, {"custom.a", 1}}, key);
    says = "strictly increasing";
  }
  SECTION("a name twice") {
    packet = packet_with_section(0x01, {{"custom.a", 1}, {"custom.a", 2}}, key);
    says = "strictly increasing";
  }
  SECTION("an unknown value code") {
    packet = packet_with_section(0x01, {{"custom.a", kMaxResourceValueCode + 1}}, key);
    says = "resource value";
  }
  SECTION("bytes left over after the table") {
    packet = packet_with_section(0x01, two, key);
    packet.resize(packet.size() - kHeartbeatMacSize);
    packet.push_back(0);
    resign(packet, key);
    says = "unexpected bytes";
  }
  SECTION("a table announced without its count byte") {
    packet = packet_with_section(0x00, {}, key);
    packet.resize(packet.size() - kHeartbeatMacSize);
    packet.back() = 0x01;
    resign(packet, key);
    expected = DropReason::truncated_field;
    says = "resource count";
  }
  auto why = rejection(packet, key);
  REQUIRE(why);
  INFO(why->detail);
  CHECK(why->reason == expected);
  CHECK_THAT(why->detail, Catch::Contains(says));
}

TEST_CASE("a hand-written section that is right is read as the encoder would write it") {
  auto key = key_filled_with(4);
  auto packet = packet_with_section(0x03, {{"custom.a", 0}, {"custom.b", 5}}, key);
  auto back = decode(packet, key);
  REQUIRE(back.ok());
  CHECK(back->resources.included);
  CHECK(back->resources.truncated);
  CHECK(back->resources.table == std::map<std::string, std::string>{{"custom.a", "init"}, {"custom.b", "off"}});
  CHECK(encode(*back, key) == packet);
}
