// The seed's module deployment on haven: `config -m M` runs the config and postconfig hooks
// and keeps the last three configurations, `confinfo` tells the applied configuration from the
// file, `deconfig` forgets it, `module uninstall` leaves a backup that installs back, and
// `-H NODES -E M` gives other nodes the module with the same id, configured.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include "common/atomic_file.hpp"
#include "haven_test_node.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using haven::test::read_lines;

namespace {

namespace fs = std::filesystem;

const std::string kCluster =
    "<cluster><lans port=\"29300\"><lan name=\"default\">"
    "<node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
    "</lan></lans></cluster>\n";

std::string userconfig(const std::string& extra = "") {
  return "<!DOCTYPE safe>\n<safe><service mode=\"mirror\">"
         "<heart port=\"29301\" pulse=\"100ms\" timeout=\"1s\"><heartbeat name=\"default\"/></heart>"
         "<user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/></service></safe>\n" + extra;
}

// The recording hooks, with config, postconfig and deconfig recording too.
std::map<std::string, std::string> hooks(const std::map<std::string, std::string>& then = {}) {
  auto bin = haven::test::recording_hooks();
  for (const char* hook : {"config", "postconfig", "deconfig"}) {
    auto body = haven::test::record_lua(hook);
    if (auto it = then.find(hook); it != then.end()) body += it->second;
    bin[std::string(hook) + ".lua"] = body;
  }
  return bin;
}

void install(const HavenTestNode& node, const std::string& name, const haven::test::ModuleSource& source,
             const std::vector<std::string>& extra = {}) {
  auto archive = haven::test::pack_module(node.work_dir(), name, source);
  std::vector<std::string> args{"module", "install", "-m", name, archive.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = node.haven(args);
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
}

nlohmann::json json_of(const haven::test::CommandResult& r) {
  INFO(r.describe());
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

std::vector<std::string> lastconfig_files(const HavenTestNode& node) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(node.paths().var_dir() / "modules" / "lastconfig", ec))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void share_key(const HavenTestNode& from, const HavenTestNode& to) {
  fs::copy_file(from.paths().cluster_key(), to.paths().cluster_key(), fs::copy_options::overwrite_existing);
  fs::permissions(to.paths().cluster_key(), fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace

TEST_CASE("config -m runs config then postconfig, keeps the last three configurations, and confinfo sees the file change",
          "[integration][module_config]") {
  HavenTestNode node;
  install(node, "web", {userconfig(), hooks()});

  auto before = json_of(node.haven({"--json", "confinfo", "-m", "web"}));
  CHECK(before["active"].is_null());
  CHECK(before["differs"] == true);

  auto applied = node.haven({"--json", "config", "-m", "web"});
  auto j = json_of(applied);
  CHECK(applied.exit_code == 0);
  REQUIRE(j["hooks"].size() == 2);
  CHECK(j["hooks"][0]["hook"] == "config");
  CHECK(j["hooks"][1]["hook"] == "postconfig");
  CHECK(read_lines(node.record_file("web")) == std::vector<std::string>{"config", "postconfig"});
  const auto signature = j["signature"].get<std::string>();
  CHECK(fs::exists(j["lastconfig"].get<std::string>()));

  auto same = json_of(node.haven({"--json", "confinfo", "-m", "web"}));
  CHECK(same["active"] == signature);
  CHECK(same["current"] == signature);
  CHECK(same["differs"] == false);

  for (int i = 0; i < 4; ++i) REQUIRE(node.haven({"config", "-m", "web"}).exit_code == 0);
  const auto kept = lastconfig_files(node);
  INFO(kept.size());
  REQUIRE(kept.size() == 3);
  for (const auto& name : kept) CHECK(name.rfind("web_", 0) == 0);
  CHECK(read_lines(node.record_file("web")).size() == 10);

  // The administrator edits the file: confinfo says it is not what runs.
  const auto file = node.paths().module_dir("web") / "conf" / "userconfig.xml";
  std::ofstream(file, std::ios::app) << "<!-- edited -->\n";
  auto edited = json_of(node.haven({"--json", "confinfo", "-m", "web"}));
  CHECK(edited["active"] == signature);
  CHECK(edited["current"] != signature);
  CHECK(edited["differs"] == true);
  auto text = node.haven({"confinfo", "-m", "web"});
  CHECK(text.out.find("DIFFER") != std::string::npos);

  // A file with an error is refused: no hook runs, the active configuration stays.
  std::ofstream(file, std::ios::trunc) << "<safe><service mode=\"mirror\"><user></service></safe>\n";
  auto refused = node.haven({"config", "-m", "web"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("not applied") != std::string::npos);
  CHECK(read_lines(node.record_file("web")).size() == 10);
  CHECK(json_of(node.haven({"--json", "confinfo", "-m", "web"}))["active"] == signature);

  // deconfig runs its hook and forgets the configuration.
  std::ofstream(file, std::ios::trunc) << userconfig();
  auto gone = json_of(node.haven({"--json", "deconfig", "-m", "web"}));
  CHECK(gone["forgotten"] == signature);
  CHECK(read_lines(node.record_file("web")).back() == "deconfig");
  CHECK(json_of(node.haven({"--json", "confinfo", "-m", "web"}))["active"].is_null());
}

TEST_CASE("a failing config hook refuses the configuration; a running module is not configured",
          "[integration][module_config]") {
  HavenTestNode node;
  install(node, "bad", {userconfig(), hooks({{"config", "os.exit(3)\n"}})});
  auto refused = node.haven({"config", "-m", "bad"});
  INFO(refused.describe());
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("config hook") != std::string::npos);
  CHECK(refused.err.find("exit code 3") != std::string::npos);
  CHECK(read_lines(node.record_file("bad")) == std::vector<std::string>{"config"});
  CHECK(json_of(node.haven({"--json", "confinfo", "-m", "bad"}))["active"].is_null());
  CHECK(lastconfig_files(node).empty());

  install(node, "web", {userconfig(), hooks()});
  REQUIRE(node.haven({"prim", "-m", "web"}).exit_code == 0);
  auto running = node.haven({"config", "-m", "web"});
  CHECK(running.exit_code == 1);
  CHECK(running.err.find("is running") != std::string::npos);
  CHECK(running.err.find("haven stop -m web") != std::string::npos);
  auto no_deconfig = node.haven({"deconfig", "-m", "web"});
  CHECK(no_deconfig.exit_code == 1);
  REQUIRE(node.haven({"stop", "-m", "web"}).exit_code == 0);
  node.wait_for_state("web", "STOP", "", std::chrono::seconds(20));
  CHECK(node.haven({"config", "-m", "web"}).exit_code == 0);
}

TEST_CASE("module uninstall keeps a backup that module install accepts", "[integration][module_config]") {
  HavenTestNode node;
  install(node, "web", {userconfig(), hooks()}, {"-M", "5"});
  REQUIRE(node.haven({"config", "-m", "web"}).exit_code == 0);

  auto removed = json_of(node.haven({"--json", "module", "uninstall", "-m", "web"}));
  REQUIRE(removed["backup"].is_string());
  const fs::path backup = removed["backup"].get<std::string>();
  CHECK(backup.parent_path() == node.paths().var_dir() / "modules" / "backup");
  CHECK(backup.filename().string().rfind("web_", 0) == 0);
  CHECK(fs::exists(backup));
  CHECK_FALSE(fs::exists(node.paths().module_dir("web")));

  auto back = node.haven({"module", "install", backup.string(), "-m", "web"});
  INFO(back.describe());
  CHECK(back.exit_code == 0);
  CHECK(read_lines(node.paths().module_dir("web") / "bin" / "config.lua") ==
        read_lines(node.work_dir() / "web" / "bin" / "config.lua"));
  // Installed again, it starts unconfigured.
  CHECK(json_of(node.haven({"--json", "confinfo", "-m", "web"}))["active"].is_null());
}

TEST_CASE("-H NODES -E M installs this node's module on the others with its id, and configures it",
          "[integration][module_config][remote]") {
  HavenTestNode n1("node1", kCluster), n2("node2", kCluster);
  REQUIRE(n1.haven({"cluster", "genkey"}).exit_code == 0);
  share_key(n1, n2);
  install(n1, "web", {userconfig(), hooks()}, {"-M", "7"});
  auto local = json_of(n1.haven({"--json", "config", "-m", "web"}));

  auto exported = n1.haven({"-H", "node2", "-E", "web"});
  INFO(exported.describe());
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out.find("installed with id 7") != std::string::npos);
  auto listed = json_of(n2.haven({"--json", "module", "list"}));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["name"] == "web");
  CHECK(listed[0]["id"] == 7);
  CHECK(read_lines(n2.record_file("web")) == std::vector<std::string>{"config", "postconfig"});
  auto info = json_of(n2.haven({"--json", "confinfo", "-m", "web"}));
  CHECK(info["active"] == local["signature"]);
  CHECK(info["differs"] == false);

  // Every node, this one included: the module is replaced (stopped) and configured again.
  auto all = n1.haven({"--json", "-H", "*", "-E", "web"});
  auto per_node = json_of(all);
  CHECK(all.exit_code == 0);
  CHECK(per_node["node2"]["signature"] == local["signature"]);
  CHECK(read_lines(n2.record_file("web")).size() == 4);

  // confinfo and config fan out too.
  auto remote_info = json_of(n1.haven({"--json", "-H", "node2", "confinfo", "-m", "web"}));
  CHECK(remote_info["node2"]["active"] == local["signature"]);
  REQUIRE(n1.haven({"-H", "node2", "config", "-m", "web"}).exit_code == 0);
  CHECK(read_lines(n2.record_file("web")).size() == 6);

  // A running module is not replaced.
  REQUIRE(n2.haven({"prim", "-m", "web"}).exit_code == 0);
  auto refused = n1.haven({"-H", "node2", "-E", "web"});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("is running") != std::string::npos);
  REQUIRE(n2.haven({"stop", "-m", "web"}).exit_code == 0);
  n2.wait_for_state("web", "STOP", "", std::chrono::seconds(20));
  auto not_running = n1.haven({"-H", "node2", "update", "-m", "web"});
  CHECK(not_running.exit_code != 0);
  CHECK(not_running.err.find("not running on node node2") != std::string::npos);

  // A module too big for the cluster channel is refused with what to do instead.
  std::string noise(800 * 1024, '\0');
  std::mt19937 random(42);
  for (auto& c : noise) c = static_cast<char>(random());
  auto big_hooks = hooks();
  big_hooks["blob.bin"] = noise;
  install(n1, "big", {userconfig(), big_hooks});
  auto too_big = n1.haven({"-H", "node2", "-E", "big"});
  CHECK(too_big.exit_code != 0);
  CHECK(too_big.err.find("module package -m big") != std::string::npos);
  CHECK(json_of(n2.haven({"--json", "module", "list"})).size() == 1);
  // Just under the limit, it fits in one message of the channel.
  big_hooks["blob.bin"] = noise.substr(0, 600 * 1024);
  install(n1, "big", {userconfig(), big_hooks}, {"-r"});
  auto fits = n1.haven({"-H", "node2", "-E", "big"});
  INFO(fits.describe());
  CHECK(fits.exit_code == 0);
  CHECK(json_of(n2.haven({"--json", "module", "list"})).size() == 2);

  auto remote_deconfig = n1.haven({"-H", "node2", "deconfig", "-m", "web"});
  INFO(remote_deconfig.describe());
  CHECK(remote_deconfig.exit_code == 0);
  CHECK(read_lines(n2.record_file("web")).back() == "deconfig");
  CHECK(json_of(n2.haven({"--json", "confinfo", "-m", "web"}))["active"].is_null());
  CHECK(n1.haven({"-H", "node2", "config", "check", "-m", "web"}).exit_code != 0);

  auto no_hosts = n1.haven({"-E", "web"});
  CHECK(no_hosts.exit_code != 0);
  CHECK(no_hosts.err.find("-H") != std::string::npos);
}

TEST_CASE("update -m applies to a running module only the changes the seed allows, with the update hook",
          "[integration][module_config]") {
  HavenTestNode node;
  auto bin = hooks();
  bin["update.lua"] = haven::test::record_lua("update");
  install(node, "web", {userconfig(), bin});
  REQUIRE(node.haven({"config", "-m", "web"}).exit_code == 0);
  const auto applied = json_of(node.haven({"--json", "confinfo", "-m", "web"}))["active"];

  auto stopped = node.haven({"update", "-m", "web"});
  CHECK(stopped.exit_code == 1);
  CHECK(stopped.err.find("not running") != std::string::npos);

  REQUIRE(node.haven({"prim", "-m", "web"}).exit_code == 0);
  auto alone = node.wait_for_state("web", "ALONE", "Ready", std::chrono::seconds(20));
  REQUIRE(alone.value("state", "") == "ALONE");
  const auto file = node.paths().module_dir("web") / "conf" / "userconfig.xml";

  // A virtual IP needs the module stopped: refused, naming it; nothing changes.
  auto with_vip = userconfig();
  with_vip.replace(with_vip.find("<user"), 0,
                   "<vip><interface_list><interface><real_interface><virtual_addr addr=\"127.0.0.99\" where=\"one_side_alias\"/>"
                   "</real_interface></interface></interface_list></vip>");
  std::ofstream(file, std::ios::trunc) << with_vip;
  auto refused = node.haven({"update", "-m", "web"});
  INFO(refused.describe());
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("<vip> changed") != std::string::npos);
  CHECK(json_of(node.haven({"--json", "confinfo", "-m", "web"}))["active"] == applied);

  // A new heartbeat pulse is allowed: the update hook runs and the file becomes active.
  auto faster = userconfig();
  faster.replace(faster.find("pulse=\"100ms\""), 13, "pulse=\"200ms\"");
  std::ofstream(file, std::ios::trunc) << faster;
  auto updated = node.haven({"--json", "update", "-m", "web"});
  auto j = json_of(updated);
  CHECK(updated.exit_code == 0);
  CHECK(j["state"] == "ALONE(Ready)");
  REQUIRE(j["hooks"].size() == 1);
  CHECK(j["hooks"][0]["hook"] == "update");
  CHECK(read_lines(node.record_file("web")).back() == "update");
  auto info = json_of(node.haven({"--json", "confinfo", "-m", "web"}));
  CHECK(info["active"] != applied);
  CHECK(info["differs"] == false);

  auto again = node.haven({"update", "-m", "web"});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("nothing to update") != std::string::npos);
  REQUIRE(node.haven({"stop", "-m", "web"}).exit_code == 0);
}
