#include <catch2/catch.hpp>

#include "checks/checker_activation.hpp"
#include "checks/checker_plan.hpp"
#include "config/user_config_loader.hpp"

using namespace haven;
using namespace haven::checks;
using config::ActiveWhen;

namespace {

config::UserConfig load(const std::string& service_body) {
  const std::string xml = "<safe>\n<service mode=\"mirror\">\n" + service_body + "\n</service>\n</safe>\n";
  auto loaded = config::parse_user_config(xml, "userconfig.xml", {});
  for (const auto& d : loaded.diagnostics) INFO(d.message);
  REQUIRE(loaded.config);
  return *loaded.config;
}

}  // namespace

TEST_CASE("every <check> probe and every <errd><proc> becomes a planned checker with its plugin and resource") {
  auto cfg = load(
      "<check>\n"
      "  <tcp ident=\"web\" when=\"both\"><to addr=\"127.0.0.1\" port=\"80\" interval=\"2\" timeout=\"1\"/></tcp>\n"
      "  <ping ident=\"gw\"><to addr=\"198.51.100.254\"/></ping>\n"
      "  <ip><to addr=\"198.51.100.50\"/></ip>\n"
      "  <intf ident=\"lan\"><to local_addr=\"198.51.100.1\"/></intf>\n"
      "  <custom ident=\"db\" exec=\"dbcheck\"/>\n"
      "</check>\n"
      "<errd polltimer=\"7\">\n"
      "  <proc name=\"nginx\" atleast=\"1\" action=\"restart\" class=\"prim\"/>\n"
      "</errd>");
  auto plan = plan_checkers(cfg);
  REQUIRE(plan);
  REQUIRE(plan->size() == 5);  // the custom checker is a script, not a probe
  const CheckerSpec& tcp = plan->at(0);
  CHECK(tcp.resource == "tcp.web");
  CHECK(tcp.plugin == "haven.checker.tcp");
  CHECK(tcp.element.name == "tcp");
  CHECK(tcp.element.child("to") != nullptr);
  CHECK(tcp.interval == std::chrono::seconds(2));
  CHECK(tcp.timeout == std::chrono::seconds(1));
  CHECK(tcp.when == ActiveWhen::both);
  CHECK(tcp.path == FailurePath::rules);
  CHECK(tcp.line == 4);
  CHECK(plan->at(1).resource == "ping.gw");
  CHECK(plan->at(1).when == ActiveWhen::pre);  // the seed's default for ping
  CHECK(plan->at(2).resource == "ip.198.51.100.50");  // no ident: named by its address
  CHECK(plan->at(3).resource == "intf.lan");
  const CheckerSpec& proc = plan->at(4);
  CHECK(proc.resource == "proc.nginx");
  CHECK(proc.plugin == "haven.checker.proc");
  CHECK(proc.path == FailurePath::direct);
  CHECK(proc.action == config::FailureAction::restart);
  CHECK(proc.interval == std::chrono::seconds(7));
  CHECK(proc.when == ActiveWhen::prim);
}

TEST_CASE("a module without checks plans nothing") {
  auto plan = plan_checkers(load("<user/>"));
  REQUIRE(plan);
  CHECK(plan->empty());
}

TEST_CASE("checkers run in the states the seed product runs them in") {
  const std::set<std::string> none;
  using S = ModuleState;
  using U = SubState;
  CHECK(is_active(ActiveWhen::prim, "", S::alone, U::ready, none));
  CHECK(is_active(ActiveWhen::prim, "", S::prim, U::ready, none));
  CHECK_FALSE(is_active(ActiveWhen::prim, "", S::prim, U::transient, none));  // during start_prim/stop_prim
  CHECK_FALSE(is_active(ActiveWhen::prim, "", S::second, U::ready, none));
  CHECK(is_active(ActiveWhen::second, "", S::second, U::ready, none));
  CHECK(is_active(ActiveWhen::sec, "", S::second, U::ready, none));
  CHECK_FALSE(is_active(ActiveWhen::second, "", S::alone, U::ready, none));
  CHECK(is_active(ActiveWhen::both, "", S::second, U::ready, none));
  CHECK(is_active(ActiveWhen::both, "", S::up, U::ready, none));
  CHECK_FALSE(is_active(ActiveWhen::both, "", S::wait, U::not_ready, none));
  CHECK(is_active(ActiveWhen::pre, "", S::wait, U::not_ready, none));
  CHECK(is_active(ActiveWhen::pre, "", S::alone, U::transient, none));
  CHECK_FALSE(is_active(ActiveWhen::pre, "", S::stop, U::ready, none));
  CHECK_FALSE(is_active(ActiveWhen::custom, "night", S::alone, U::ready, none));
  CHECK(is_active(ActiveWhen::custom, "night", S::alone, U::ready, {"night"}));
  CHECK_FALSE(is_active(ActiveWhen::custom, "night", S::stop, U::ready, {"night"}));
}

TEST_CASE("a <module> checker is planned with the seed's resource module.<name>_<addr>, or module.<ident>") {
  auto cfg = load(
      "<check>\n"
      "  <module name=\"db\"><to addr=\"198.51.100.2\"/></module>\n"
      "  <module name=\"cache\" ident=\"local_cache\"><to addr=\"127.0.0.1\"/></module>\n"
      "</check>");
  auto plan = plan_checkers(cfg);
  REQUIRE(plan);
  REQUIRE(plan->size() == 2);
  CHECK(plan->at(0).resource == "module.db_198.51.100.2");
  CHECK(plan->at(0).plugin == "haven.checker.module");
  CHECK(plan->at(0).when == ActiveWhen::pre);
  CHECK(plan->at(1).resource == "module.local_cache");
}
