// The generic farm module (its Lua hooks, then its batch hooks from bin/windows/) and the IIS
// farm module (batch hooks, `net start W3SVC` mapped to a unit by SERVICE_MAP) run on one real
// havend: start makes the node UP with the services started in order, stop stops them in the
// reverse order, then forced. The services are stand-ins behind a systemctl of the test's,
// found first in the hooks' PATH; the <vip> is left out (a test adds no address).
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "farm_module_files.hpp"
#include "haven_test_node.hpp"
#include "process_scan.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using haven::test::slurp;

namespace {

// One node's stand-in services: a web unit (the checked port) and, for the generic farm, a
// second unit started before it. Names carry the node's root suffix, unique on the machine.
struct Standins {
  std::filesystem::path dir;
  std::filesystem::path bin;
  int port = 0;
  std::string web;
  std::string db;
  std::string page;  ///< what the web unit serves
};

Standins make_standins(const HavenTestNode& node) {
  Standins s;
  const auto suffix = node.root().filename().string().substr(node.root().filename().string().find('.') + 1);
  s.dir = node.work_dir() / "standin";
  s.bin = node.work_dir() / "standin-bin";
  s.port = haven::test::free_loopback_port();
  s.web = "web_" + suffix;
  s.db = "db_" + suffix;
  s.page = "farm stand-in " + suffix;
  std::filesystem::create_directories(s.dir);
  std::ofstream(s.dir / "index.html") << s.page << "\n";
  haven::test::write_systemctl_standin(s.bin);
  return s;
}

std::map<std::string, std::string> standin_vars(const Standins& s) {
  return {{"PATH", s.bin.string() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
          {"STANDIN_DIR", s.dir.string()},
          {"STANDIN_WEB_UNIT", s.web}};
}

void install_filled(const HavenTestNode& node, const std::string& name, const std::map<std::string, std::string>& macros,
                    const Standins& s) {
  const auto safe = haven::test::shipped_module(name);
  REQUIRE(std::filesystem::exists(safe));
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const auto file = node.paths().module_dir(name) / "conf" / "userconfig.xml";
  auto text = haven::test::with_macros(slurp(file), macros);
  text = haven::test::with_user_vars(haven::test::without_vip(text), standin_vars(s));
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  auto check = node.haven({"config", "check", "-m", name});
  INFO(check.describe());
  REQUIRE(check.exit_code == 0);
}

// The bin/windows/*.cmd hooks put in place of the Lua ones, as docs/modules/farm.md says.
void switch_to_batch_hooks(const HavenTestNode& node, const std::string& name) {
  const auto bin = node.paths().module_dir(name) / "bin";
  for (const char* hook : {"prestart", "start_both", "stop_both"}) {
    std::filesystem::remove(bin / (std::string(hook) + ".lua"));
    std::filesystem::rename(bin / "windows" / (std::string(hook) + ".cmd"), bin / (std::string(hook) + ".cmd"));
  }
}

long position(const std::vector<std::string>& calls, const std::string& call, long from = 0) {
  auto it = std::find(calls.begin() + std::min<long>(from, static_cast<long>(calls.size())), calls.end(), call);
  return it == calls.end() ? -1 : static_cast<long>(it - calls.begin());
}

void start_up(const HavenTestNode& node, const std::string& module, const Standins& s) {
  auto r = node.haven({"start", "-m", module});
  INFO(r.describe() << "\nmodule log:\n" << slurp(node.module_log(module)) << "\nuser log:\n" << slurp(node.user_log(module)));
  REQUIRE(r.exit_code == 0);
  auto up = node.module_state(module);
  INFO(up.dump());
  REQUIRE(up.value("state", "") == "UP");
  const auto answer = haven::test::http_get(s.port);
  INFO("answer of 127.0.0.1:" << s.port << ":\n" << answer);
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.0 200") && Catch::Contains(s.page));
}

void stop_down(const HavenTestNode& node, const std::string& module, const Standins& s) {
  auto r = node.haven({"stop", "-m", module});
  INFO(r.describe() << "\nmodule log:\n" << slurp(node.module_log(module)));
  REQUIRE(r.exit_code == 0);
  CHECK(node.module_state(module).value("state", "") == "STOP");
  CHECK_FALSE(haven::test::port_open(s.port));
  CHECK_FALSE(std::filesystem::exists(s.dir / (s.web + ".pid")));
}

}  // namespace

TEST_CASE("the generic farm module's Lua hooks start its services in order on UP and stop them in reverse, then "
          "forced, on stop",
          "[integration][farm_modules]") {
  HavenTestNode node;
  const auto s = make_standins(node);
  install_filled(node, "farm",
                 {{"VIRTUAL_IP", "127.0.0.1"}, {"PORT", std::to_string(s.port)}, {"SERVICES", s.db + ", " + s.web},
                  {"PROCESS", s.db}},
                 s);
  start_up(node, "farm", s);
  auto calls = haven::test::standin_calls(s.dir);
  INFO("systemctl calls:\n" << slurp(s.dir / "calls"));
  // prestart stops both (last first), start_both starts them in order and checks each.
  const std::vector<std::string> started{"stop " + s.web, "stop " + s.db, "start " + s.db, "is-active " + s.db,
                                         "start " + s.web, "is-active " + s.web};
  CHECK(calls == started);

  stop_down(node, "farm", s);
  calls = haven::test::standin_calls(s.dir);
  const std::vector<std::string> stopped{"stop " + s.web, "stop " + s.db, "kill " + s.web, "stop " + s.web,
                                         "kill " + s.db, "stop " + s.db};
  REQUIRE(calls.size() == started.size() + stopped.size());
  CHECK(std::vector<std::string>(calls.begin() + static_cast<long>(started.size()), calls.end()) == stopped);
  CHECK(haven::test::processes_with_cmdline(s.dir.string()).empty());
}

TEST_CASE("the generic farm module's batch hooks (bin/windows/*.cmd) start its services through net start and "
          "SERVICE_MAP, and stop them with net stop, then taskkill",
          "[integration][farm_modules][cmd]") {
  HavenTestNode node;
  const auto s = make_standins(node);
  install_filled(node, "farm",
                 {{"VIRTUAL_IP", "127.0.0.1"},
                  {"PORT", std::to_string(s.port)},
                  {"SERVICES", "AppDb, AppWeb"},
                  {"PROCESS", s.db},
                  {"SERVICE_MAP", "AppDb=" + s.db + ";AppWeb=" + s.web}},
                 s);
  switch_to_batch_hooks(node, "farm");
  start_up(node, "farm", s);
  auto calls = haven::test::standin_calls(s.dir);
  INFO("systemctl calls:\n" << slurp(s.dir / "calls") << "\nuser log:\n" << slurp(node.user_log("farm")));
  const auto db_started = position(calls, "start " + s.db);
  const auto web_started = position(calls, "start " + s.web);
  CHECK(db_started >= 0);
  CHECK(web_started > db_started);
  CHECK_THAT(slurp(node.user_log("farm")), Catch::Contains("Running start_both WAIT UP start"));

  stop_down(node, "farm", s);
  calls = haven::test::standin_calls(s.dir);
  const auto web_stopped = position(calls, "stop " + s.web, web_started);
  const auto db_stopped = position(calls, "stop " + s.db, web_started);
  CHECK(web_stopped > web_started);
  CHECK(db_stopped > web_stopped);  // the reverse order
  const auto ulog = slurp(node.user_log("farm"));
  CHECK_THAT(ulog, Catch::Contains("Running stop_both UP WAIT stop"));
  CHECK_THAT(ulog, Catch::Contains("Running stop_both force WAIT STOP stop"));
  CHECK_THAT(slurp(node.module_log("farm")), !Catch::Contains("failed"));
  CHECK(haven::test::processes_with_cmdline(s.dir.string()).empty());
}

TEST_CASE("the IIS farm module's batch hooks start and stop W3SVC, mapped by SERVICE_MAP to a stand-in unit",
          "[integration][farm_modules][cmd]") {
  HavenTestNode node;
  const auto s = make_standins(node);
  install_filled(node, "iis_farm",
                 {{"VIRTUAL_IP", "127.0.0.1"}, {"PORT", std::to_string(s.port)}, {"SERVICE_MAP", "W3SVC=" + s.web}}, s);
  start_up(node, "iis_farm", s);
  INFO("systemctl calls:\n" << slurp(s.dir / "calls") << "\nuser log:\n" << slurp(node.user_log("iis_farm")));
  CHECK(haven::test::standin_calls(s.dir) == std::vector<std::string>{"stop " + s.web, "start " + s.web});
  CHECK_THAT(slurp(node.module_log("iis_farm")), Catch::Contains("start_both: W3SVC started"));

  stop_down(node, "iis_farm", s);
  // graceful net stop, then the forced stop's net stop (iisreset exists on Windows only)
  CHECK(haven::test::standin_calls(s.dir) ==
        std::vector<std::string>{"stop " + s.web, "start " + s.web, "stop " + s.web, "stop " + s.web});
  const auto ulog = slurp(node.user_log("iis_farm"));
  CHECK_THAT(ulog, Catch::Contains("Running stop_both force WAIT STOP stop"));
  CHECK_THAT(slurp(node.module_log("iis_farm")), !Catch::Contains("failed"));
}
