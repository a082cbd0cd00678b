#include <catch2/catch.hpp>

#include "failover_rules/rule_engine.hpp"
#include "failover_rules/rule_parser.hpp"

using namespace haven::failover;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

bool holds(const std::string& condition, const ResourceValues& values) {
  auto rules = parse_rules("r: if (" + condition + ") then wait();", "t");
  REQUIRE(rules);
  return evaluate(*rules->front().condition, values);
}

RuleEngine engine_of(const std::string& text, std::chrono::milliseconds handle_time) {
  auto rules = parse_rules(text, "t");
  REQUIRE(rules);
  return RuleEngine(std::move(*rules), handle_time);
}

}  // namespace

TEST_CASE("comparisons read the named resource; one never set reads unknown") {
  ResourceValues v;
  v.local = {{"custom.db", "down"}, {"tcp.web", "up"}};
  CHECK(holds("custom.db == down", v));
  CHECK_FALSE(holds("custom.db != down", v));
  CHECK(holds("local.tcp.web == up", v));
  CHECK(holds("custom.nothing == unknown", v));
  CHECK_FALSE(holds("custom.nothing == down", v));
}

TEST_CASE("? is true when one resource of the class matches, * when all do and there is one") {
  ResourceValues v;
  v.local = {{"ip.a", "up"}, {"ip.b", "down"}, {"intf.x", "up"}, {"ipx.z", "down"}};
  CHECK(holds("ip.? == down", v));
  CHECK_FALSE(holds("ip.* == down", v));
  CHECK(holds("intf.* == up", v));
  CHECK_FALSE(holds("intf.? == down", v));
  CHECK_FALSE(holds("ping.? == down", v));  // no resource of the class
  CHECK_FALSE(holds("ping.* == up", v));
  CHECK(holds("ip.? != up", v));             // ip.b is not up
  v.local["ip.b"] = "up";
  CHECK_FALSE(holds("ip.? == down", v));     // "ipx.z" is another class, not ip
}

TEST_CASE("remote references read the peer's resources, unknown while they are not known") {
  ResourceValues v;
  v.local = {{"custom.db", "up"}};
  CHECK(holds("remote.custom.db == unknown", v));
  CHECK_FALSE(holds("remote.custom.? == up", v));
  v.remote = std::map<std::string, std::string>{{"custom.db", "down"}};
  CHECK(holds("remote.custom.db == down && custom.db == up", v));
}

TEST_CASE("!, && and || combine with the usual precedence") {
  ResourceValues v;
  v.local = {{"a.x", "up"}, {"b.x", "down"}, {"c.x", "down"}};
  CHECK(holds("a.x == up || b.x == up && c.x == up", v));     // && binds tighter
  CHECK_FALSE(holds("(a.x == up || b.x == up) && c.x == up", v));
  CHECK(holds("!(b.x == up)", v));
  CHECK_FALSE(holds("!a.x == up", v));
}

TEST_CASE("an action is due only after its condition held for handle_time without a break") {
  auto engine = engine_of("db: if (custom.db == down) then stopstart();", 15s);
  ResourceValues down;
  down.local = {{"custom.db", "down"}};
  ResourceValues up;
  up.local = {{"custom.db", "up"}};
  const auto t0 = Clock::time_point{} + 1000s;

  CHECK_FALSE(engine.evaluate(down, t0).action);
  CHECK_FALSE(engine.evaluate(down, t0 + 10s).action);
  CHECK_FALSE(engine.evaluate(up, t0 + 12s).action);      // a break: start again
  CHECK_FALSE(engine.evaluate(down, t0 + 15s).action);
  CHECK_FALSE(engine.evaluate(down, t0 + 29s).action);
  auto due = engine.evaluate(down, t0 + 30s);
  REQUIRE(due.action);
  CHECK(due.action->rule->label == "db");
  CHECK(due.action->rule->action == RuleAction::stopstart);
  CHECK(due.action->true_since == t0 + 15s);
  // Once per period of truth: not again while it stays down...
  CHECK_FALSE(engine.evaluate(down, t0 + 35s).action);
  CHECK_FALSE(engine.evaluate(down, t0 + 60s).action);
  // ...but again after it came back up and went down for handle_time.
  CHECK_FALSE(engine.evaluate(up, t0 + 65s).action);
  CHECK_FALSE(engine.evaluate(down, t0 + 70s).action);
  CHECK(engine.evaluate(down, t0 + 85s).action);
}

TEST_CASE("a wait rule holds while its condition holds and releases when it clears") {
  auto engine = engine_of("net: if (intf.? == down) then wait();", 5s);
  ResourceValues down;
  down.local = {{"intf.eth0", "down"}};
  ResourceValues up;
  up.local = {{"intf.eth0", "up"}};
  const auto t0 = Clock::time_point{} + 50s;
  CHECK_FALSE(engine.evaluate(down, t0).wait);
  auto held = engine.evaluate(down, t0 + 5s);
  REQUIRE(held.wait);
  CHECK(held.wait->rule->label == "net");
  CHECK_FALSE(held.action);                     // wait is not a one-shot action
  CHECK(engine.evaluate(down, t0 + 50s).wait);  // still held
  CHECK_FALSE(engine.evaluate(up, t0 + 51s).wait);
}

TEST_CASE("when several actions are due at once, the first rule in order wins and the next follows") {
  auto engine = engine_of("first: if (a.x == down) then restart();\nsecond: if (b.x == down) then stop();", 0ms);
  ResourceValues v;
  v.local = {{"a.x", "down"}, {"b.x", "down"}};
  const auto t0 = Clock::time_point{} + 1s;
  auto one = engine.evaluate(v, t0);
  REQUIRE(one.action);
  CHECK(one.action->rule->label == "first");
  auto two = engine.evaluate(v, t0 + 5s);
  REQUIRE(two.action);
  CHECK(two.action->rule->label == "second");
  CHECK_FALSE(engine.evaluate(v, t0 + 10s).action);
}

TEST_CASE("reset forgets how long conditions have held") {
  auto engine = engine_of("db: if (custom.db == down) then stopstart();", 10s);
  ResourceValues down;
  down.local = {{"custom.db", "down"}};
  const auto t0 = Clock::time_point{} + 1s;
  engine.evaluate(down, t0);
  engine.reset();
  CHECK_FALSE(engine.evaluate(down, t0 + 10s).action);
  CHECK(engine.evaluate(down, t0 + 20s).action);
}

TEST_CASE("holds() says whether a condition is true now, due or not, and survives reset") {
  auto engine = engine_of("net: if (intf.? == down) then wait();", 10s);
  ResourceValues down;
  down.local = {{"intf.eth0", "down"}};
  ResourceValues up;
  up.local = {{"intf.eth0", "up"}};
  const auto t0 = Clock::time_point{} + 5s;
  CHECK_FALSE(engine.holds("net"));
  engine.evaluate(down, t0);
  CHECK(engine.holds("net"));   // true, not yet due
  engine.reset();
  CHECK(engine.holds("net"));   // still true as far as anyone knows
  CHECK_FALSE(engine.evaluate(down, t0 + 5s).wait);  // but handle_time starts again
  engine.evaluate(up, t0 + 6s);
  CHECK_FALSE(engine.holds("net"));
  CHECK_FALSE(engine.holds("no_such_rule"));
}
