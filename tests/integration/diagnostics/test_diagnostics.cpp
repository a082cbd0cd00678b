// Diagnostics for operators, end to end on one node with a real havend and a light module:
// the support snapshot (a zip read back with libarchive), the dump folder, the node's folders
// and the log's level filter.
#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <map>

#include "haven_test_node.hpp"
#include "test_module.hpp"

using namespace std::chrono_literals;
using haven::test::CommandResult;
using haven::test::HavenTestNode;
using haven::test::slurp;

namespace {

const char* kClusterXml =
    "<cluster><lans port=\"48791\"><lan name=\"default\"><node name=\"node1\" addr=\"127.0.0.1\"/></lan></lans>"
    "</cluster>\n";

std::string light_userconfig() {
  return "<!DOCTYPE safe>\n"
         "<safe>\n"
         "  <service mode=\"light\">\n"
         "    <user userlogsize=\"64\"/>\n"
         "  </service>\n"
         "</safe>\n";
}

// Installs and starts the light module "diag", whose start_both prints a line into the user log.
void start_module(const HavenTestNode& node) {
  auto safe = haven::test::pack_module(
      node.work_dir(), "diag",
      {light_userconfig(), haven::test::recording_hooks({{"start_both", "print('diagnostics: start_both ran')\n"}})});
  auto installed = node.haven({"module", "install", safe.string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  auto started = node.haven({"start", "-m", "diag"});
  INFO(started.describe());
  REQUIRE(started.exit_code == 0);
  node.wait_for_state("diag", "UP", "Ready", 60s);
}

// Every member of a zip, name -> content.
std::map<std::string, std::string> zip_members(const std::filesystem::path& file) {
  std::map<std::string, std::string> members;
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  if (archive_read_open_filename(a, file.c_str(), 1 << 16) != ARCHIVE_OK) {
    archive_read_free(a);
    FAIL("cannot open " << file << " as a zip");
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string content;
    char buf[1 << 14];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) content.append(buf, static_cast<std::size_t>(n));
    members[archive_entry_pathname(entry)] = content;
  }
  archive_read_free(a);
  return members;
}

}  // namespace

TEST_CASE("a snapshot of a running module holds its logs, cluster.xml and state, never the cluster key",
          "[integration][diagnostics]") {
  HavenTestNode node("node1", kClusterXml);
  auto key = node.haven({"cluster", "genkey"});
  INFO(key.describe());
  REQUIRE(key.exit_code == 0);
  const auto key_text = slurp(node.paths().cluster_key());
  REQUIRE(key_text.size() >= 16);
  start_module(node);

  const auto zip = node.work_dir() / "snapshot-diag.zip";
  auto r = node.haven({"--json", "snapshot", "-m", "diag", zip.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("haven snapshot: module diag"));  // progress on stderr
  const auto result = nlohmann::json::parse(r.out);
  CHECK(result.value("ok", false));
  CHECK(result.value("file", "") == zip.string());
  CHECK(result.value("size", std::uintmax_t{0}) == std::filesystem::file_size(zip));
  CHECK(result["unavailable"].empty());

  const auto members = zip_members(zip);
  CHECK(members.size() == result["entries"].size());
  for (const std::string name : {"MANIFEST.txt", "versions.json", "node/cluster.xml", "node/havend.log",
                                 "node/folders.json", "modules/diag/log/module.log", "modules/diag/log/verbose.log",
                                 "modules/diag/log/userlog.ulog", "modules/diag/module/conf/userconfig.xml",
                                 "modules/diag/state.json", "modules/diag/resources.json",
                                 "modules/diag/processes.json"}) {
    INFO("member " << name);
    CHECK(members.count(name) == 1);
  }
  for (const auto& [name, content] : members) {
    INFO("member " << name);
    CHECK(name.find("cluster.key") == std::string::npos);
    CHECK(content.find(key_text) == std::string::npos);
  }
  CHECK(members.at("node/cluster.xml") == kClusterXml);
  CHECK_THAT(members.at("modules/diag/log/userlog.ulog"), Catch::Contains("diagnostics: start_both ran"));

  const auto state = nlohmann::json::parse(members.at("modules/diag/state.json"));
  REQUIRE(state.is_array());
  REQUIRE(state.size() == 1);
  CHECK(state[0]["module"] == "diag");
  CHECK(state[0]["state"] == "UP");
  REQUIRE(state[0].contains("pid"));
  const auto processes = nlohmann::json::parse(members.at("modules/diag/processes.json"));
  REQUIRE_FALSE(processes.empty());
  CHECK(processes[0]["pid"] == state[0]["pid"]);
  CHECK(processes[0]["why"] == "agent");
  CHECK(nlohmann::json::parse(members.at("modules/diag/resources.json")).is_array());
  const auto versions = nlohmann::json::parse(members.at("versions.json"));
  CHECK_FALSE(versions["haven"].get<std::string>().empty());
  CHECK_FALSE(versions["plugins"].empty());
  CHECK(versions["kernel"].contains("release"));
  CHECK_THAT(members.at("MANIFEST.txt"), Catch::Contains("never in a snapshot"));
}

TEST_CASE("a snapshot without -m covers every module, and says so when havend does not answer",
          "[integration][diagnostics]") {
  HavenTestNode node;
  start_module(node);
  // A second root on the same machine, where no havend runs, holding the same module.
  const auto quiet_root = node.work_dir() / "quiet";
  const auto haven = haven::test::build_program("haven").string();
  auto installed = node.run({haven, "--root", quiet_root.string(), "module", "install", (node.work_dir() / "diag.safe").string()});
  INFO(installed.describe());
  REQUIRE(installed.exit_code == 0);
  const auto zip = node.work_dir() / "quiet.zip";
  auto r = node.run({haven, "--root", quiet_root.string(), "--json", "snapshot", zip.string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const auto result = nlohmann::json::parse(r.out);
  CHECK(result["modules"] == nlohmann::json::array({"diag"}));
  REQUIRE_FALSE(result["unavailable"].empty());
  CHECK_THAT(result["unavailable"][0].get<std::string>(), Catch::Contains("havend"));
  const auto members = zip_members(zip);
  CHECK(members.count("modules/diag/state.json") == 0);
  REQUIRE(members.count("modules/diag/state-unavailable.txt") == 1);
  CHECK_THAT(members.at("modules/diag/state-unavailable.txt"), Catch::Contains("havend"));
  CHECK_THAT(members.at("MANIFEST.txt"), Catch::Contains("Not available"));

  auto bad = node.haven({"snapshot", "-m", "nosuch", (node.work_dir() / "x.zip").string()});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("nosuch"));
  auto nowhere = node.haven({"snapshot", "-m", "diag", (node.work_dir() / "missing" / "x.zip").string()});
  CHECK(nowhere.exit_code == 1);
  CHECK_THAT(nowhere.err, Catch::Contains((node.work_dir() / "missing").string()));
  CHECK_FALSE(std::filesystem::exists(node.work_dir() / "x.zip"));
}

TEST_CASE("a dump folder holds the module's state, resources and processes", "[integration][diagnostics]") {
  HavenTestNode node;
  start_module(node);
  auto r = node.haven({"--json", "dump", "-m", "diag"});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const auto result = nlohmann::json::parse(r.out);
  const std::filesystem::path folder = result.value("folder", "");
  CHECK(folder.parent_path() == node.paths().var_dir() / "snapshot" / "modules" / "diag");
  for (const char* file : {"state.json", "resources.json", "processes.json", "module.log.tail", "README.txt"}) {
    INFO(file);
    CHECK(std::filesystem::exists(folder / file));
  }
  const auto state = nlohmann::json::parse(slurp(folder / "state.json"));
  CHECK(state[0]["state"] == "UP");
  const auto processes = nlohmann::json::parse(slurp(folder / "processes.json"));
  REQUIRE_FALSE(processes.empty());
  CHECK(processes[0]["pid"] == state[0]["pid"]);

  // The snapshot takes the dump.
  const auto zip = node.work_dir() / "with-dump.zip";
  auto s = node.haven({"--json", "snapshot", "-m", "diag", zip.string()});
  REQUIRE(s.exit_code == 0);
  const auto members = zip_members(zip);
  CHECK(members.count("modules/diag/dumps/" + folder.filename().string() + "/state.json") == 1);
}

TEST_CASE("haven -p prints the node's folders, as JSON with --json", "[integration][diagnostics]") {
  HavenTestNode node;
  auto r = node.haven({"--json", "-p"});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const auto folders = nlohmann::json::parse(r.out);
  CHECK(folders["modules"] == node.paths().modules_dir().string());
  CHECK(folders["logs"] == node.paths().log_dir().string());
  CHECK(folders["root"] == node.root().string());
  CHECK(folders["SAFEBIN"] == haven::test::build_dir().string() + "/bin/");
  auto text = node.haven({"-p"});
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("SAFEVAR=" + node.paths().var_dir().string() + "\n"));
  auto nothing = node.haven({});
  CHECK(nothing.exit_code != 0);
}

TEST_CASE("haven log --level shows only the lines at or above the level", "[integration][diagnostics]") {
  HavenTestNode node;
  start_module(node);
  REQUIRE(node.haven({"printe", "-m", "diag", "the disk is full"}).exit_code == 0);
  REQUIRE(node.haven({"printi", "-m", "diag", "all is well"}).exit_code == 0);

  auto errors = node.haven({"log", "-m", "diag", "--level", "error"});
  INFO(errors.describe());
  REQUIRE(errors.exit_code == 0);
  CHECK_THAT(errors.out, Catch::Contains("the disk is full") && !Catch::Contains("all is well"));
  auto short_form = node.haven({"log", "-m", "diag", "-l", "E"});
  CHECK(short_form.out == errors.out);
  auto all = node.haven({"log", "-m", "diag", "-l", "en"});  // the seed's language option: every line
  CHECK_THAT(all.out, Catch::Contains("the disk is full") && Catch::Contains("all is well"));
  auto verbose = node.haven({"log", "-m", "diag", "--verbose", "--level", "D"});
  CHECK_THAT(verbose.out, Catch::Contains("the disk is full"));
  auto bad = node.haven({"log", "-m", "diag", "--level", "loud"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("loud") && Catch::Contains("diag"));
}
