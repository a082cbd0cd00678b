// The typed module status: what an agent reports to `state` reads into ModuleStatus and writes
// back byte for byte (the JSON keys are a contract for scripts), havend's entry for a stopped
// module reads too, and a missing or wrong field is refused with its name.
#include <catch2/catch.hpp>

#include <string>

#include "state/module_status.hpp"

using haven::CheckerStatus;
using haven::LoadShareStatus;
using haven::ModuleState;
using haven::ModuleStatus;
using haven::ResourceStatus;
using haven::Role;
using haven::SubState;
using haven::VipStatus;
using nlohmann::json;

namespace {

// Captured from `haven --json state` on the primary of a replicated pair (two havend on
// 127.0.0.1 and 127.0.0.2, a tcp checker, a custom checker, a resource set by the administrator).
const char* const kPrimaryOfPair = R"json(
{
 "checkers": [
  {
   "interval_ms": 1000,
   "kind": "checker",
   "line": 6,
   "plugin": "haven.checker.tcp",
   "resource": "tcp.web",
   "running": true,
   "value": "up"
  },
  {
   "kind": "custom",
   "line": 7,
   "plugin": "/tmp/ts_cap/run/n1/lib/modules/stmod/bin/watch.sh",
   "program": "/tmp/ts_cap/run/n1/lib/modules/stmod/bin/watch.sh",
   "resource": "custom.app",
   "running": true,
   "starts": 1,
   "value": "up"
  }
 ],
 "failover": true,
 "generation": 1,
 "id": 93,
 "module": "stmod",
 "node": "node1",
 "peer_resources": {
  "custom.app": "init",
  "heartbeat.default": "up",
  "rfs.secondary": "down",
  "rfs.uptodate": "up",
  "tcp.web": "up",
  "usersetting.checker": "on",
  "usersetting.errd": "on",
  "usersetting.failover": "on"
 },
 "pid": 14211,
 "reason": "primary; peer node2 is to become its secondary",
 "replication": {
  "async": "second",
  "dirs": [
   {
    "bytes_sent": 0,
    "changes_recorded": 0,
    "changes_sent": 0,
    "connected": true,
    "dir": "/tmp/ts_cap/run/d1",
    "held": 0,
    "lost": false,
    "mounted": true,
    "record_intact": true,
    "recorded_paths": 0,
    "reintegration": {
     "bytes_done": 0,
     "bytes_per_second": 0.0,
     "bytes_total": 0,
     "files_done": 0,
     "files_total": 0,
     "finished": true,
     "kind": "full",
     "phase": "copying"
    },
    "view": false
   }
  ],
  "fenced": false,
  "in_sync": true,
  "peer_reachable_at_start": true,
  "reintegrating": false,
  "role": "primary"
 },
 "resources": [
  {
   "resource": "custom.app",
   "set_by": "admin",
   "since_ms": 1796619978194,
   "value": "up"
  },
  {
   "resource": "custom.extra",
   "set_by": "admin",
   "since_ms": 1796619981246,
   "value": "up"
  },
  {
   "resource": "heartbeat.default",
   "set_by": "haven",
   "since_ms": 1796619978124,
   "value": "up"
  },
  {
   "resource": "rfs.secondary",
   "set_by": "haven",
   "since_ms": 1796619978207,
   "value": "up"
  },
  {
   "resource": "rfs.uptodate",
   "set_by": "haven",
   "since_ms": 1796619978129,
   "value": "up"
  },
  {
   "resource": "tcp.web",
   "set_by": "haven",
   "since_ms": 1796619978179,
   "value": "up"
  },
  {
   "resource": "usersetting.checker",
   "set_by": "haven",
   "since_ms": 1796619978080,
   "value": "on"
  },
  {
   "resource": "usersetting.errd",
   "set_by": "haven",
   "since_ms": 1796619978080,
   "value": "on"
  },
  {
   "resource": "usersetting.failover",
   "set_by": "haven",
   "since_ms": 1796619978080,
   "value": "on"
  }
 ],
 "role": "prim",
 "starts": 1,
 "state": "PRIM",
 "substate": "Ready",
 "uptodate": true,
 "vips": []
}
)json";

// Built by hand from ModuleAgent::state_json and its helpers: a farm member running a hook,
// holding a VIP, with an errd watch and a split-brain witness; no replication, no peer.
const char* const kFarmMemberWithEverything = R"json(
{
 "module": "web", "node": "n2", "state": "UP", "substate": "Transient", "reason": "starting",
 "uptodate": false, "role": "none", "generation": 0, "failover": false, "pid": 4242, "starts": 3,
 "hook": "start_both",
 "vips": [{"address": "198.51.100.7", "prefix": 24, "interface": "eth0", "label": "eth0:hv1", "written": "web.example"}],
 "load": [{"group": "FarmProto_0", "owned": 86, "buckets": 256, "members": ["n1", "n2", "n3"]}],
 "resources": [{"resource": "proc.httpd", "value": "up", "set_by": "haven", "since_ms": 1796619978194}],
 "checkers": [
  {"resource": "proc.httpd", "plugin": "haven.checker.proc", "kind": "errd", "running": true, "value": "up",
   "interval_ms": 200, "line": 12},
  {"resource": "splitbrain.witness", "plugin": "haven.checker.ping", "kind": "witness", "running": false,
   "witnesses": "198.51.100.1 198.51.100.2", "probing": false, "holding": false, "value": "init", "line": 20}
 ],
 "id": 4
}
)json";

// havend's entries for a module whose agent is not running (NodeDaemon::module_state).
const char* const kStoppedWithKnowledge =
    R"({"module":"stmod","id":93,"node":"node2","state":"STOP","substate":"NotReady","reason":"stopped",)"
    R"("uptodate":false,"role":"second","generation":1})";
const char* const kStoppedWithUnreadableKnowledge =
    R"({"module":"stmod","id":93,"node":"node2","state":"STOP","substate":"NotReady","reason":"stopped",)"
    R"("error":"knowledge file /x is not valid"})";

ModuleStatus parsed(const char* text) {
  auto status = haven::module_status_from_json(json::parse(text));
  INFO((status.ok() ? std::string() : status.error().message));
  REQUIRE(status.ok());
  return *status;
}

// The message of the error reading `j`; fails the test when it reads.
std::string refusal(const json& j) {
  auto status = haven::module_status_from_json(j);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == haven::Errc::parse_error);
  return status.error().message;
}

}  // namespace

TEST_CASE("a real agent's state reads into ModuleStatus and writes back to the same JSON", "[state][module_status]") {
  const auto original = json::parse(kPrimaryOfPair);
  const auto status = parsed(kPrimaryOfPair);
  CHECK(status.module == "stmod");
  CHECK(status.node == "node1");
  CHECK(status.state == ModuleState::prim);
  CHECK(status.substate == SubState::ready);
  CHECK(status.role == Role::prim);
  CHECK(status.uptodate == true);
  CHECK(status.generation == 1u);
  CHECK(status.failover == true);
  CHECK(status.pid.has_value());
  CHECK(status.id == 93);
  CHECK(status.starts == 1u);
  CHECK_FALSE(status.hook.has_value());
  REQUIRE(status.vips.has_value());
  CHECK(status.vips->empty());
  REQUIRE(status.resources.has_value());
  REQUIRE(status.resources->size() == 9);
  CHECK(status.resources->at(1) == ResourceStatus{"custom.extra", "up", "admin", 1796619981246});
  REQUIRE(status.peer_resources.has_value());
  CHECK(status.peer_resources->at("rfs.secondary") == "down");
  REQUIRE(status.checkers.has_value());
  REQUIRE(status.checkers->size() == 2);
  CHECK(status.checkers->at(0).interval_ms == 1000);
  CHECK_FALSE(status.checkers->at(0).program.has_value());
  CHECK(status.checkers->at(1).kind == "custom");
  CHECK(status.checkers->at(1).starts == 1);
  REQUIRE(status.replication.has_value());
  CHECK((*status.replication)["role"] == "primary");
  CHECK_FALSE(status.load.has_value());
  // Written back: the same document, key for key, value for value, and the same text.
  CHECK(haven::to_json(status) == original);
  CHECK(haven::to_json(status).dump(2) == original.dump(2));
}

TEST_CASE("every optional part of an agent's state survives a round trip", "[state][module_status]") {
  const auto original = json::parse(kFarmMemberWithEverything);
  const auto status = parsed(kFarmMemberWithEverything);
  CHECK(status.state == ModuleState::up);
  CHECK(status.substate == SubState::transient);
  CHECK(status.hook == "start_both");
  REQUIRE(status.vips.has_value());
  REQUIRE(status.vips->size() == 1);
  CHECK(status.vips->at(0) == VipStatus{"198.51.100.7", 24, "eth0", "eth0:hv1", "web.example"});
  REQUIRE(status.load.has_value());
  CHECK(status.load->at(0) == LoadShareStatus{"FarmProto_0", 86, 256, {"n1", "n2", "n3"}});
  REQUIRE(status.checkers.has_value());
  const CheckerStatus& witness = status.checkers->at(1);
  CHECK(witness.witnesses == "198.51.100.1 198.51.100.2");
  CHECK(witness.probing == false);
  CHECK(witness.holding == false);
  CHECK_FALSE(witness.interval_ms.has_value());
  CHECK_FALSE(status.peer_resources.has_value());
  CHECK_FALSE(status.replication.has_value());
  CHECK(haven::to_json(status) == original);
  // And a status read back from its own JSON is the same status.
  CHECK(parsed(haven::to_json(status).dump().c_str()) == status);
}

TEST_CASE("havend's entry for a stopped module reads, with its knowledge or with the error reading it",
          "[state][module_status]") {
  const auto known = parsed(kStoppedWithKnowledge);
  CHECK(known.state == ModuleState::stop);
  CHECK_FALSE(known.pid.has_value());
  CHECK_FALSE(known.vips.has_value());
  CHECK(known.role == Role::second);
  CHECK(haven::to_json(known) == json::parse(kStoppedWithKnowledge));

  const auto unreadable = parsed(kStoppedWithUnreadableKnowledge);
  CHECK(unreadable.error == "knowledge file /x is not valid");
  CHECK_FALSE(unreadable.uptodate.has_value());
  CHECK_FALSE(unreadable.generation.has_value());
  CHECK(haven::to_json(unreadable) == json::parse(kStoppedWithUnreadableKnowledge));
}

TEST_CASE("a missing field is refused with its name", "[state][module_status]") {
  for (const char* field : {"module", "node", "state", "substate", "reason", "uptodate", "role", "generation",
                            "failover", "vips", "resources", "checkers"}) {
    auto j = json::parse(kPrimaryOfPair);
    j.erase(field);
    INFO("without " << field);
    const auto message = refusal(j);
    CHECK_THAT(message, Catch::Contains("field " + std::string(field) + " is missing"));
  }
  // Inside the lists too, with the element's place.
  auto j = json::parse(kFarmMemberWithEverything);
  j["vips"][0].erase("prefix");
  CHECK_THAT(refusal(j), Catch::Contains("field vips[0].prefix is missing, expected an integer"));
  j = json::parse(kFarmMemberWithEverything);
  j["checkers"][1].erase("line");
  CHECK_THAT(refusal(j), Catch::Contains("field checkers[1].line is missing"));
  j = json::parse(kFarmMemberWithEverything);
  j["load"][0].erase("members");
  CHECK_THAT(refusal(j), Catch::Contains("field load[0].members is missing, expected an array"));
  // The message says whose status it is.
  CHECK_THAT(refusal(j), Catch::StartsWith("the status of module web on node n2: "));
  // havend's stopped entry needs its knowledge when it has no error to show instead.
  j = json::parse(kStoppedWithKnowledge);
  j.erase("generation");
  CHECK_THAT(refusal(j), Catch::Contains("field generation is missing"));
}

TEST_CASE("a field of the wrong kind or an unknown state is refused with its name and what was expected",
          "[state][module_status]") {
  auto j = json::parse(kPrimaryOfPair);
  j["state"] = "RUNNING";
  CHECK_THAT(refusal(j), Catch::Contains(
                             R"(field state is "RUNNING", expected "STOP", "WAIT", "ALONE", "PRIM", "SECOND" or "UP")"));
  j = json::parse(kPrimaryOfPair);
  j["substate"] = "ready";
  CHECK_THAT(refusal(j), Catch::Contains(R"(field substate is "ready", expected "Ready", "Transient" or "NotReady")"));
  j = json::parse(kPrimaryOfPair);
  j["generation"] = -1;
  CHECK_THAT(refusal(j), Catch::Contains("field generation is -1, expected a non-negative integer"));
  j = json::parse(kPrimaryOfPair);
  j["uptodate"] = "yes";
  CHECK_THAT(refusal(j), Catch::Contains(R"(field uptodate is "yes", expected true or false)"));
  j = json::parse(kPrimaryOfPair);
  j["resources"][2]["since_ms"] = "yesterday";
  CHECK_THAT(refusal(j), Catch::Contains("field resources[2].since_ms is \"yesterday\", expected an integer"));
  j = json::parse(kPrimaryOfPair);
  j["peer_resources"]["tcp.web"] = 1;
  CHECK_THAT(refusal(j), Catch::Contains("field peer_resources.tcp.web is 1, expected a string"));
  j = json::parse(kFarmMemberWithEverything);
  j["checkers"][0]["line"] = 4294967297ULL;  // not read as 1
  CHECK_THAT(refusal(j), Catch::Contains("field checkers[0].line is 4294967297, expected an integer"));
  CHECK_THAT(refusal(json::array()), Catch::Contains("must be a JSON object"));
}

TEST_CASE("havend's answer to state reads as a list, naming the entry that is wrong", "[state][module_status]") {
  auto list = json::array({json::parse(kPrimaryOfPair), json::parse(kStoppedWithKnowledge)});
  auto statuses = haven::module_statuses_from_json(list);
  REQUIRE(statuses.ok());
  REQUIRE(statuses->size() == 2);
  CHECK(statuses->at(1).state == ModuleState::stop);
  list[1].erase("reason");
  auto refused = haven::module_statuses_from_json(list);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::StartsWith("havend's answer to state, entry 2: "));
  CHECK_THAT(refused.error().message, Catch::Contains("field reason is missing"));
  CHECK_FALSE(haven::module_statuses_from_json(json::object()).ok());
}

TEST_CASE("state, substate and role names read back to their values", "[state][module_status]") {
  for (auto s : {ModuleState::stop, ModuleState::wait, ModuleState::alone, ModuleState::prim, ModuleState::second,
                 ModuleState::up})
    CHECK(haven::module_state_from_string(haven::to_string(s)) == s);
  for (auto s : {SubState::ready, SubState::transient, SubState::not_ready})
    CHECK(haven::sub_state_from_string(haven::to_string(s)) == s);
  for (auto r : {Role::none, Role::prim, Role::second}) CHECK(haven::role_from_name(haven::to_string(r)) == r);
  CHECK_FALSE(haven::module_state_from_string("stop").has_value());
  CHECK_FALSE(haven::role_from_name("").has_value());
}

TEST_CASE("read for a plugin, a status needs only its state and substate, but what it has must be right",
          "[state][module_status]") {
  using haven::StatusFields;
  const auto sparse = json{{"module", "db"}, {"state", "ALONE"}, {"substate", "Ready"}, {"generation", 3}};
  CHECK_THAT(refusal(sparse), Catch::Contains("field node is missing"));
  auto read = haven::module_status_from_json(sparse, StatusFields::state_only);
  INFO((read.ok() ? std::string() : read.error().message));
  REQUIRE(read.ok());
  CHECK(read->state == ModuleState::alone);
  CHECK(read->generation == 3u);
  CHECK_FALSE(read->pid.has_value());
  // An agent's answer from another version, without its checkers: still read.
  auto without_checkers = json::parse(kPrimaryOfPair);
  without_checkers.erase("checkers");
  CHECK(haven::module_status_from_json(without_checkers, StatusFields::state_only).ok());

  auto no_substate = sparse;
  no_substate.erase("substate");
  auto refused = haven::module_status_from_json(no_substate, StatusFields::state_only);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("field substate is missing"));
  auto wrong_pid = sparse;
  wrong_pid["pid"] = "1234";
  refused = haven::module_status_from_json(wrong_pid, StatusFields::state_only);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains(R"(field pid is "1234", expected an integer)"));
}
