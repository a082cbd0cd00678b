// The shipped batch-hook mirror modules run on one real havend, their .cmd hooks under haven's
// batch interpreter: start (WAIT), prim (ALONE), stop (STOP), in the seed's order — prestart
// stops the services, start_prim starts them in order and checks each, stop_prim stops them
// in reverse order, then runs again with "force". Services, sqlplus and powershell are
// stand-ins that record each call (cmd_module_files.hpp); net start/stop and sc query reach
// the systemctl stand-in through SERVICE_MAP. <vip>, <rfs> and <errd> are left out: a test
// adds no address, mounts nothing and runs no real server.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "cmd_module_files.hpp"
#include "haven_test_node.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using haven::test::slurp;
using namespace std::chrono_literals;

namespace {

// One node's stand-ins; unit names carry the node's root suffix, unique on the machine.
struct Standins {
  std::filesystem::path dir;
  std::filesystem::path bin;
  std::string suffix;
  std::string unit(const std::string& name) const { return name + "_" + suffix; }
};

Standins make_standins(const HavenTestNode& node) {
  Standins s;
  const auto root = node.root().filename().string();
  s.suffix = root.substr(root.find('.') + 1);
  s.dir = node.work_dir() / "standin";
  s.bin = node.work_dir() / "standin-bin";
  std::filesystem::create_directories(s.dir);
  haven::test::write_cmd_standins(s.bin);
  return s;
}

// Installs the shipped module with `macros` filled, the elements in `left_out` removed, and
// the stand-ins first in the hooks' PATH.
void install_for_hooks(const HavenTestNode& node, const std::string& name, const std::map<std::string, std::string>& macros,
                       const std::vector<std::string>& left_out, const Standins& s,
                       const std::map<std::string, std::string>& replacements = {}) {
  const auto safe = haven::test::shipped_cmd_module(name);
  REQUIRE(std::filesystem::exists(safe));
  auto r = node.haven({"module", "install", safe.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const auto file = node.paths().module_dir(name) / "conf" / "userconfig.xml";
  auto text = haven::test::with_macro_values(slurp(file), macros);
  if (!replacements.empty()) text = haven::test::with_text_replaced(text, replacements);
  for (const auto& tag : left_out) text = haven::test::without_element(text, tag);
  text = haven::test::with_vars(
      text, {{"PATH", s.bin.string() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
             {"STANDIN_DIR", s.dir.string()}});
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  auto check = node.haven({"config", "check", "-m", name});
  INFO(check.describe());
  REQUIRE(check.exit_code == 0);
}

std::string logs(const HavenTestNode& node, const std::string& module, const Standins& s) {
  return "calls:\n" + slurp(s.dir / "calls") + "\nmodule log:\n" + slurp(node.module_log(module)) + "\nuser log:\n" +
         slurp(node.user_log(module));
}

// start (the never-primed module waits), then prim: ALONE with start_prim run.
void start_alone(const HavenTestNode& node, const std::string& module, const Standins& s) {
  auto start = node.haven({"start", "-m", module});
  INFO(start.describe() << "\n" << logs(node, module, s));
  REQUIRE(start.exit_code == 0);
  CHECK(node.module_state(module).value("state", "") == "WAIT");
  auto prim = node.haven({"prim", "-m", module});
  INFO(prim.describe() << "\n" << logs(node, module, s));
  REQUIRE(prim.exit_code == 0);
  REQUIRE(node.module_state(module).value("state", "") == "ALONE");
}

void stop_module(const HavenTestNode& node, const std::string& module, const Standins& s) {
  auto stop = node.haven({"stop", "-m", module});
  INFO(stop.describe() << "\n" << logs(node, module, s));
  REQUIRE(stop.exit_code == 0);
  CHECK(node.module_state(module).value("state", "") == "STOP");
  const auto ulog = slurp(node.user_log(module));
  CHECK_THAT(ulog, Catch::Contains("Running stop_prim ALONE WAIT stop"));
  CHECK_THAT(ulog, Catch::Contains("Running stop_prim force WAIT STOP stop"));
}

// The calls recorded since `from`.
std::vector<std::string> calls_after(const Standins& s, std::size_t from) {
  auto all = haven::test::recorded_calls(s.dir);
  return std::vector<std::string>(all.begin() + static_cast<long>(std::min(from, all.size())), all.end());
}

std::vector<std::string> systemctl(const std::string& verb, const std::vector<std::string>& units) {
  std::vector<std::string> out;
  for (const auto& u : units) out.push_back("systemctl " + verb + " " + u);
  return out;
}

// start_prim's calls for each unit in order: start it, then check it is active.
std::vector<std::string> started(const std::vector<std::string>& units) {
  std::vector<std::string> out;
  for (const auto& u : units) {
    out.push_back("systemctl start " + u);
    out.push_back("systemctl is-active " + u);
  }
  return out;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> reversed(std::vector<std::string> v) {
  std::reverse(v.begin(), v.end());
  return v;
}

// The services case: prestart stops every unit (last first), start_prim starts them in
// order, the graceful stop_prim stops them last first, and the forced one does `force_calls`.
void check_service_module(const std::string& module, const std::map<std::string, std::string>& macros,
                          const std::vector<std::string>& units_in_order, const std::vector<std::string>& left_out,
                          const std::vector<std::string>& force_calls) {
  HavenTestNode node;
  const auto s = make_standins(node);
  std::map<std::string, std::string> filled = macros;
  for (auto& [name, value] : filled) {
    // "{suffix}" in a test value is this node's unit suffix
    for (auto at = value.find("{suffix}"); at != std::string::npos; at = value.find("{suffix}"))
      value.replace(at, 8, s.suffix);
  }
  std::vector<std::string> units;
  for (const auto& u : units_in_order) units.push_back(s.unit(u));
  std::vector<std::string> force;
  for (auto call : force_calls) {
    for (auto at = call.find("{suffix}"); at != std::string::npos; at = call.find("{suffix}")) call.replace(at, 8, s.suffix);
    force.push_back(call);
  }
  install_for_hooks(node, module, filled, left_out, s);

  start_alone(node, module, s);
  INFO(logs(node, module, s));
  const auto at_start = systemctl("stop", reversed(units)) + started(units);
  CHECK(haven::test::recorded_calls(s.dir) == at_start);
  for (const auto& u : units) CHECK(std::filesystem::exists(s.dir / (u + ".active")));
  CHECK_THAT(slurp(node.user_log(module)), Catch::Contains("Running prestart STOP WAIT start") &&
                                               Catch::Contains("Running start_prim WAIT ALONE start"));

  stop_module(node, module, s);
  CHECK(calls_after(s, at_start.size()) == systemctl("stop", reversed(units)) + force);
  for (const auto& u : units) CHECK_FALSE(std::filesystem::exists(s.dir / (u + ".active")));
  CHECK_THAT(slurp(node.module_log(module)), !Catch::Contains("failed"));
}

}  // namespace

TEST_CASE("sqlserver.safe: MSSQLSERVER then SQLSERVERAGENT started in order, stopped in reverse, sqlservr killed "
          "when forced",
          "[integration][cmd_modules][sqlserver]") {
  check_service_module("sqlserver",
                       {{"VIRTUAL_IP", "127.0.0.1"},
                        {"SERVICES", "MSSQLSERVER, SQLSERVERAGENT"},
                        {"USER_DB_DIR", "/srv/sqldata"},
                        {"PROCESS", "sqlservr_{suffix}"},
                        {"SERVICE_MAP", "MSSQLSERVER=sql_{suffix};SQLSERVERAGENT=agent_{suffix}"}},
                       {"sql", "agent"}, {"vip", "rfs", "errd"}, {"pkill -KILL -x -- sqlservr_{suffix}"});
}

TEST_CASE("milestone.safe: the six XProtect services, names with blanks, started in order and stopped in reverse",
          "[integration][cmd_modules][milestone]") {
  // SERVICES as shipped (the seed's list); each Windows name mapped to a stand-in unit
  check_service_module("milestone",
                       {{"VIRTUAL_IP", "127.0.0.1"},
                        {"SERVICE_MAP",
                         "W3SVC=iis_{suffix};MSSQLServer=sql_{suffix};Milestone XProtect Management Server=mgmt_{suffix};"
                         "Milestone XProtect Log Server=log_{suffix};MilestoneEventServerService=event_{suffix};"
                         "Milestone XProtect Data Collector Server=dc_{suffix}"}},
                       {"iis", "sql", "mgmt", "log", "event", "dc"}, {"vip", "rfs", "errd"}, {});
}

TEST_CASE("hanwha_ssm.safe: PostgreSQL then the SSM service started in order and stopped in reverse",
          "[integration][cmd_modules][hanwha_ssm]") {
  check_service_module("hanwha_ssm",
                       {{"VIRTUAL_IP", "127.0.0.1"},
                        {"SERVICES", "postgresql-x64-14, SSM Core Server"},
                        {"PG_DATA_DIR", "/srv/ssm/pgdata"},
                        {"SERVICE_MAP", "postgresql-x64-14=pg_{suffix};SSM Core Server=ssm_{suffix}"}},
                       {"pg", "ssm"}, {"vip", "rfs", "errd"}, {});
}

TEST_CASE("mirror.safe: the generic template's services started in order and stopped in reverse, nothing forced",
          "[integration][cmd_modules][mirror]") {
  check_service_module("mirror",
                       {{"VIRTUAL_IP", "127.0.0.1"},
                        {"SERVICES", "AppDb, AppWeb, AppJobs"},
                        {"PROCESS", "app_{suffix}"},
                        {"SERVICE_MAP", "AppDb=db_{suffix};AppWeb=web_{suffix};AppJobs=jobs_{suffix}"}},
                       {"db", "web", "jobs"}, {"vip", "rfs", "errd"}, {});
}

TEST_CASE("a service that does not start fails sqlserver's start_prim, which says which one, and the next one is "
          "never started",
          "[integration][cmd_modules][sqlserver]") {
  HavenTestNode node;
  const auto s = make_standins(node);
  install_for_hooks(node, "sqlserver",
                    {{"VIRTUAL_IP", "127.0.0.1"},
                     {"SERVICES", "MSSQLSERVER, SQLSERVERAGENT"},
                        {"USER_DB_DIR", "/srv/sqldata"},
                     {"PROCESS", "sqlservr_" + s.suffix},
                     {"SERVICE_MAP", "MSSQLSERVER=broken/" + s.suffix + ";SQLSERVERAGENT=agent_" + s.suffix}},
                    {"vip", "rfs", "errd"}, s);
  // MSSQLSERVER's unit "broken/X" cannot start: the stand-in's touch of
  // $STANDIN_DIR/broken/X.active fails (no such folder), as systemctl start of a broken unit
  auto start = node.haven({"start", "-m", "sqlserver"});
  REQUIRE(start.exit_code == 0);
  auto prim = node.haven({"prim", "-m", "sqlserver"});
  INFO(prim.describe() << "\n" << logs(node, "sqlserver", s));
  const auto state = node.wait_for_state("sqlserver", "STOP", "", 30s);
  CHECK(state.value("state", "") != "ALONE");
  const auto calls = haven::test::recorded_calls(s.dir);
  CHECK(std::find(calls.begin(), calls.end(), "systemctl start agent_" + s.suffix) == calls.end());
  CHECK_THAT(slurp(node.module_log("sqlserver")), Catch::Contains("start_prim failed: MSSQLSERVER did not start"));
}

TEST_CASE("oracle.safe: listener then instance started and the database opened; shutdown immediate, then shutdown "
          "abort when forced",
          "[integration][cmd_modules][oracle]") {
  HavenTestNode node;
  const auto s = make_standins(node);
  const auto lsnr = s.unit("lsnr");
  const auto inst = s.unit("inst");
  install_for_hooks(node, "oracle",
                    {{"VIRTUAL_IP", "127.0.0.1"},
                     {"DATA_DIR", "/u02/oradata/ORCL"},
                     {"SERVICE_MAP", "OracleOraDB19Home1TNSListener=" + lsnr + ";OracleServiceORCL=" + inst}},
                    {"vip", "rfs", "errd"}, s);
  const std::string sysdba = "sqlplus -S -L / as sysdba: ";

  start_alone(node, "oracle", s);
  INFO(logs(node, "oracle", s));
  const std::vector<std::string> at_start{"systemctl stop " + inst,  "systemctl stop " + lsnr,
                                          "systemctl start " + lsnr, "systemctl start " + inst,
                                          sysdba + "startup",        sysdba + "select status from v$instance;"};
  CHECK(haven::test::recorded_calls(s.dir) == at_start);
  CHECK(std::filesystem::exists(s.dir / "db_open"));
  CHECK_THAT(slurp(node.module_log("oracle")), Catch::Contains("start_prim: listener and instance ORCL started"));

  stop_module(node, "oracle", s);
  const std::vector<std::string> at_stop{sysdba + "shutdown immediate", "systemctl stop " + inst,
                                         "systemctl stop " + lsnr,       sysdba + "shutdown abort",
                                         "systemctl stop " + inst,       "systemctl stop " + lsnr};
  CHECK(calls_after(s, at_start.size()) == at_stop);
  CHECK_FALSE(std::filesystem::exists(s.dir / "db_open"));
  CHECK_THAT(slurp(node.module_log("oracle")), !Catch::Contains("failed"));
}

TEST_CASE("oracle.safe: a database that does not open fails start_prim, saying so", "[integration][cmd_modules][oracle]") {
  HavenTestNode node;
  const auto s = make_standins(node);
  // a sqlplus whose startup leaves the database closed
  std::ofstream(s.bin / "sqlplus", std::ios::trunc) << "#!/bin/sh\ncat >/dev/null\necho ORA-01034: ORACLE not available\n";
  install_for_hooks(node, "oracle",
                    {{"VIRTUAL_IP", "127.0.0.1"},
                     {"DATA_DIR", "/u02/oradata/ORCL"},
                     {"SERVICE_MAP", "OracleOraDB19Home1TNSListener=" + s.unit("lsnr") + ";OracleServiceORCL=" + s.unit("inst")}},
                    {"vip", "rfs", "errd"}, s);
  REQUIRE(node.haven({"start", "-m", "oracle"}).exit_code == 0);
  (void)node.haven({"prim", "-m", "oracle"});
  INFO(logs(node, "oracle", s));
  CHECK(node.wait_for_state("oracle", "STOP", "", 30s).value("state", "") != "ALONE");
  CHECK_THAT(slurp(node.module_log("oracle")), Catch::Contains("start_prim failed: the instance ORCL is not OPEN after startup"));
}

TEST_CASE("hyperv.safe: the VM started with Start-VM, its heartbeat checker sets custom.vm, stopped with NORMAL_STOP "
          "then FORCE_STOP",
          "[integration][cmd_modules][hyperv]") {
  HavenTestNode node;
  const auto s = make_standins(node);
  const auto vmms = s.unit("vmms");
  std::ofstream(s.dir / "heartbeat") << "up\n";
  // the checker looks every second, a loss counts at once, no boot grace
  install_for_hooks(node, "hyperv", {{"VM_NAME", "vm1"}, {"VM_PATH", "/srv/vms/vm1"}, {"SERVICE_MAP", "vmms=" + vmms}},
                    {"rfs"}, s, {{"arg=\"5 2 12\"", "arg=\"1 1 0\""}});

  start_alone(node, "hyperv", s);
  INFO(logs(node, "hyperv", s));
  const std::vector<std::string> at_start{
      "systemctl start " + vmms, "powershell -Command Set-VM -Name 'vm1' -AutomaticStartAction Nothing -ErrorAction Stop",
      "systemctl start " + vmms, "powershell -Command Start-VM -Name 'vm1' -ErrorAction Stop"};
  auto calls = haven::test::recorded_calls(s.dir);
  REQUIRE(calls.size() >= at_start.size());
  CHECK(std::vector<std::string>(calls.begin(), calls.begin() + 4) == at_start);

  // the heartbeat checker, a .cmd run by haven-hook, asks powershell and sets the resource
  auto value_of_vm = [&] {
    auto r = node.haven({"get", "-r", "custom.vm", "-m", "hyperv"});
    return r.out;
  };
  std::string value;
  for (int i = 0; i < 100 && value.find("up") != 0; ++i, std::this_thread::sleep_for(100ms)) value = value_of_vm();
  CHECK(value == "up\n");
  calls = haven::test::recorded_calls(s.dir);
  CHECK(std::find(calls.begin(), calls.end(), "powershell -File vm_heartbeat.ps1 vm1") != calls.end());

  std::ofstream(s.dir / "heartbeat", std::ios::trunc) << "down\n";
  for (int i = 0; i < 100 && value.find("down") != 0; ++i, std::this_thread::sleep_for(100ms)) value = value_of_vm();
  CHECK(value == "down\n");
  CHECK_THAT(slurp(node.user_log("hyperv")), Catch::Contains("vm_heartbeat: vm1 is down: custom.vm set to down"));
  // the VM answers again before the rule's handle time: the checker says up again
  std::ofstream(s.dir / "heartbeat", std::ios::trunc) << "up\n";
  for (int i = 0; i < 100 && value.find("up") != 0; ++i, std::this_thread::sleep_for(100ms)) value = value_of_vm();
  CHECK(value == "up\n");

  const auto before_stop = haven::test::recorded_calls(s.dir).size();
  stop_module(node, "hyperv", s);
  std::vector<std::string> stop_calls;
  for (const auto& c : calls_after(s, before_stop))
    if (c.rfind("powershell -Command", 0) == 0) stop_calls.push_back(c);
  CHECK(stop_calls == std::vector<std::string>{"powershell -Command Stop-VM -Name 'vm1' -Force -ErrorAction Stop",
                                               "powershell -Command Stop-VM -Name 'vm1' -TurnOff -ErrorAction Stop"});
  CHECK_THAT(slurp(node.module_log("hyperv")), !Catch::Contains("failed"));
}
