#include <catch2/catch.hpp>

#include <algorithm>

#include "checks/checker_activation.hpp"
#include "checks/checker_plan.hpp"
#include "config/user_config_loader.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"

using namespace haven;
using namespace haven::checks;
using config::ActiveWhen;

namespace {

config::UserConfig load(const std::string& service_body) {
  const std::string xml = "<safe>\n<service mode=\"mirror\">\n" + service_body + "\n</service>\n</safe>\n";
  auto loaded = config::parse_user_config(xml, "/m/conf/userconfig.xml", {});
  for (const auto& d : loaded.diagnostics) INFO(d.to_string());
  REQUIRE(loaded.config);
  return *loaded.config;
}

// A checker plugin the core has never heard of: <door room="..."/> inside <check>, resources
// door.<ident>, rule d_<ident>; it refuses a door without a room, at the element's line.
CheckerConfiguration configure_door(const ConfigNode& element) {
  CheckerConfiguration out;
  if (!element.attribute("room"))
    out.diagnostics.push_back(ConfigDiagnostic::error(element, "has no room; expected room=\"NAME\"", "room"));
  warn_unknown(element, {"room"}, host_checker_attributes(CheckerSection::check), {}, out.diagnostics);
  out.default_id = element.attribute("room").value_or("");
  return out;
}
Result<std::unique_ptr<Checker>> no_checker(HostContext&) { return fail(Errc::unsupported, "not in this test"); }

CheckerCatalog door_catalog() {
  CheckerCatalog catalog;
  REQUIRE(catalog
              .add("test.checker.door", std::make_shared<FunctionCheckerFactory>(
                                            CheckerSchema{"door", CheckerSection::check, "door", "d_", "both", "swap",
                                                          false},
                                            &configure_door, &no_checker))
              .ok());
  REQUIRE(catalog
              .add("test.checker.lamp", std::make_shared<FunctionCheckerFactory>(
                                            CheckerSchema{"lamp", CheckerSection::errd, "lamp", ""}, &configure_door,
                                            &no_checker))
              .ok());
  return catalog;
}

bool has(const CheckerPlan& plan, config::Severity severity, int line, const std::string& path,
         const std::string& fragment) {
  return std::any_of(plan.diagnostics.begin(), plan.diagnostics.end(), [&](const config::Diagnostic& d) {
    return d.severity == severity && d.line == line && d.path == path && d.file == "/m/conf/userconfig.xml" &&
           d.message.find(fragment) != std::string::npos;
  });
}

std::string dump(const CheckerPlan& plan) {
  std::string out;
  for (const auto& d : plan.diagnostics) out += d.to_string() + "\n";
  return out;
}

// The checker plugins of this build, as havend loads them.
CheckerCatalog built_catalog(PluginHost& host) {
  host.scan({HAVEN_PLUGIN_DIR});
  return load_checker_catalog(host, std::make_shared<BasicHostContext>());
}

}  // namespace

TEST_CASE("an element is bound to the plugin that declares it, with that plugin's resource class, rule prefix and "
          "defaults: the core has no table of checkers") {
  auto cfg = load(
      "<check>\n"
      "  <door room=\"hall\" interval=\"2\"/>\n"
      "  <door ident=\"back\" room=\"yard\" when=\"prim\" action=\"restart\"/>\n"
      "</check>\n"
      "<errd polltimer=\"7\"><lamp name=\"desk\" room=\"study\" action=\"stop\"/></errd>");
  auto plan = plan_checkers(cfg, door_catalog());
  INFO(dump(plan));
  REQUIRE_FALSE(plan.has_errors());
  REQUIRE(plan.checkers.size() == 3);
  const CheckerSpec& hall = plan.checkers[0];
  CHECK(hall.resource == "door.hall");  // no ident: the plugin's default id
  CHECK(hall.plugin == "test.checker.door");
  CHECK(hall.element.attribute("room") == "hall");
  CHECK(hall.when == ActiveWhen::both);                   // the plugin's default
  CHECK(hall.action == config::FailureAction::swap);      // the plugin's default
  CHECK(hall.interval == std::chrono::seconds(2));        // the core's common attribute
  CHECK(hall.line == 4);
  CHECK(plan.checkers[1].resource == "door.back");
  CHECK(plan.checkers[1].when == ActiveWhen::prim);
  CHECK(plan.checkers[1].action == config::FailureAction::restart);
  const CheckerSpec& lamp = plan.checkers[2];
  CHECK(lamp.resource == "lamp.desk");
  CHECK(lamp.path == FailurePath::direct);
  CHECK(lamp.action == config::FailureAction::stop);
  CHECK(lamp.interval == std::chrono::seconds(7));

  const auto rules = plan.rule_sources();
  REQUIRE(rules.size() == 2);  // errd acts directly: no rule for the lamp
  CHECK(rules[0].label_prefix == "d_");
  CHECK(rules[0].resource_class == "door");
  CHECK(rules[0].id == "hall");
  CHECK(rules[0].action == config::FailureAction::swap);
}

TEST_CASE("the plugin's findings, an element no plugin owns and two checkers of one resource are reported with the "
          "file and line of the element") {
  auto cfg = load(
      "<check>\n"
      "  <door ident=\"front\" colour=\"red\"/>\n"
      "  <window ident=\"w\"/>\n"
      "  <door room=\"hall\"/>\n"
      "  <door ident=\"hall\" room=\"attic\"/>\n"
      "</check>");
  auto plan = plan_checkers(cfg, door_catalog());
  INFO(dump(plan));
  CHECK(plan.has_errors());
  CHECK(has(plan, config::Severity::error, 4, "safe/service/check/door@room", "has no room; expected room=\"NAME\""));
  CHECK(has(plan, config::Severity::warning, 4, "safe/service/check/door@colour", "unknown attribute of <door>"));
  CHECK(has(plan, config::Severity::error, 5, "safe/service/check/window",
            "no checker plugin owns <window> inside <check>; expected one of: door, custom, splitbrain"));
  CHECK(has(plan, config::Severity::error, 7, "safe/service/check/door@ident",
            "two checkers define the resource door.hall (the other on line 6)"));
  CHECK(plan.errors().find("/m/conf/userconfig.xml:4: error: safe/service/check/door@room: has no room") !=
        std::string::npos);
}

TEST_CASE("a module without checks plans nothing") {
  auto plan = plan_checkers(load("<user/>"), door_catalog());
  CHECK(plan.checkers.empty());
  CHECK(plan.diagnostics.empty());
}

TEST_CASE("the shipped plugins plan every <check> probe and every <errd><proc> with the seed's resources") {
  PluginHost host;
  const auto catalog = built_catalog(host);
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
  auto plan = plan_checkers(cfg, catalog);
  INFO(dump(plan));
  REQUIRE_FALSE(plan.has_errors());
  REQUIRE(plan.checkers.size() == 5);  // the custom checker is a script, not a probe
  const CheckerSpec& tcp = plan.checkers.at(0);
  CHECK(tcp.resource == "tcp.web");
  CHECK(tcp.plugin == "haven.checker.tcp");
  CHECK(tcp.element.name == "tcp");
  CHECK(tcp.element.child("to") != nullptr);
  CHECK(tcp.interval == std::chrono::seconds(2));
  CHECK(tcp.timeout == std::chrono::seconds(1));
  CHECK(tcp.when == ActiveWhen::both);
  CHECK(tcp.path == FailurePath::rules);
  CHECK(tcp.action == config::FailureAction::restart);
  CHECK(tcp.line == 4);
  CHECK(plan.checkers.at(1).resource == "ping.gw");
  CHECK(plan.checkers.at(1).when == ActiveWhen::pre);  // the seed's default for ping
  CHECK(plan.checkers.at(2).resource == "ip.198.51.100.50");  // no ident: named by its address
  CHECK(plan.checkers.at(2).action == config::FailureAction::stopstart);
  CHECK(plan.checkers.at(3).resource == "intf.lan");
  const CheckerSpec& proc = plan.checkers.at(4);
  CHECK(proc.resource == "proc.nginx");
  CHECK(proc.plugin == "haven.checker.proc");
  CHECK(proc.path == FailurePath::direct);
  CHECK(proc.action == config::FailureAction::restart);
  CHECK(proc.interval == std::chrono::seconds(7));
  CHECK(proc.when == ActiveWhen::prim);

  std::vector<std::string> labels;
  for (const auto& source : plan.rule_sources()) labels.push_back(source.label_prefix + source.id);
  CHECK(labels == std::vector<std::string>{"t_web", "p_gw"});  // ip and intf: built-in rules
}

TEST_CASE("a <module> checker is planned with the seed's resource module.<name>_<addr>, or module.<ident>") {
  PluginHost host;
  const auto catalog = built_catalog(host);
  auto cfg = load(
      "<check>\n"
      "  <module name=\"db\"><to addr=\"198.51.100.2\"/></module>\n"
      "  <module name=\"cache\" ident=\"local_cache\"><to addr=\"127.0.0.1\"/></module>\n"
      "</check>");
  auto plan = plan_checkers(cfg, catalog);
  INFO(dump(plan));
  REQUIRE(plan.checkers.size() == 2);
  CHECK(plan.checkers.at(0).resource == "module.db_198.51.100.2");
  CHECK(plan.checkers.at(0).plugin == "haven.checker.module");
  CHECK(plan.checkers.at(0).when == ActiveWhen::pre);
  CHECK(plan.checkers.at(1).resource == "module.local_cache");
}

TEST_CASE("the shipped plugins refuse what the seed product refuses, at the element's line") {
  PluginHost host;
  const auto catalog = built_catalog(host);
  auto cfg = load(
      "<check>\n"
      "  <tcp ident=\"db\" when=\"pre\" action=\"restart\"><to addr=\"h\" port=\"5432\"/></tcp>\n"
      "  <tcp ident=\"web\">\n"
      "    <to addr=\"127.0.0.1\" port=\"80000\"/>\n"
      "  </tcp>\n"
      "  <tcp><to addr=\"127.0.0.1\" port=\"80\"/></tcp>\n"
      "  <ping ident=\"gw\"><to addr=\"gateway.example\"/></ping>\n"
      "</check>\n"
      "<errd><proc name=\"app\" atleast=\"3\" atmax=\"2\"/></errd>");
  auto plan = plan_checkers(cfg, catalog);
  INFO(dump(plan));
  CHECK(has(plan, config::Severity::error, 4, "safe/service/check/tcp@action", "may only wait"));
  CHECK(has(plan, config::Severity::error, 6, "safe/service/check/tcp/to@port",
            "has port=\"80000\", expected a TCP port number from 1 to 65535"));
  CHECK(has(plan, config::Severity::error, 8, "safe/service/check/tcp", "has no ident attribute"));
  CHECK(has(plan, config::Severity::error, 9, "safe/service/check/ping/to@addr", "expected a numeric IPv4"));
  CHECK(has(plan, config::Severity::error, 11, "safe/service/errd/proc", "below atleast"));
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
