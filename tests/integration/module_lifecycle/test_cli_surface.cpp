// The haven command's answers that do not need a module running: configuration checks,
// refused installs and templates, the plugins it loads.
#include <catch2/catch.hpp>
#include <fstream>

#include "haven_test_node.hpp"
#include "test_module.hpp"

using haven::test::HavenTestNode;
using haven::test::pack_module;
using haven::test::slurp;

namespace {

// A well-formed XML file with one error on line 4: a pulse that is not a time.
const char* kBadUserConfig =
    "<!DOCTYPE safe>\n"
    "<safe>\n"
    "  <service mode=\"mirror\">\n"
    "    <heart pulse=\"fast\" timeout=\"30s\"/>\n"
    "    <user/>\n"
    "  </service>\n"
    "</safe>\n";

std::filesystem::path seed_userconfig() { return haven::test::source_dir() / "tests/data/seed-module/conf/userconfig.xml"; }

}  // namespace

TEST_CASE("config check accepts the seed's userconfig.xml with warnings that name line 7's typographic quotes",
          "[integration][cli]") {
  HavenTestNode node;
  auto r = node.haven({"config", "check", seed_userconfig().string()});
  INFO(r.describe());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("userconfig.xml:7:") && Catch::Contains("typographic quotes"));

  auto j = node.haven_json({"config", "check", seed_userconfig().string()});
  INFO(j.dump(2));
  CHECK(j.value("ok", false));
}

TEST_CASE("config check of a malformed file exits 1 and names the file and the line", "[integration][cli]") {
  HavenTestNode node;
  const auto bad = node.work_dir() / "bad-userconfig.xml";
  std::ofstream(bad) << kBadUserConfig;

  auto r = node.haven({"config", "check", bad.string()});
  INFO(r.describe());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out + r.err, Catch::Contains(bad.string() + ":4:"));

  auto j = node.haven_json({"config", "check", bad.string()});
  INFO(j.dump(2));
  CHECK_FALSE(j.value("ok", true));

  const auto unclosed = node.work_dir() / "unclosed-userconfig.xml";
  std::ofstream(unclosed) << "<safe>\n  <service mode=\"mirror\">\n</safe>\n";
  auto x = node.haven({"config", "check", unclosed.string()});
  INFO(x.describe());
  CHECK(x.exit_code == 1);
  CHECK_THAT(x.out + x.err, Catch::Contains(unclosed.string() + ":"));
  CHECK_NOTHROW(node.haven_json({"config", "check", unclosed.string()}));
}

TEST_CASE("finding 19: config check compiles the failover rules and names a bad one with the <failover> line",
          "[integration][cli]") {
  HavenTestNode node;
  const auto file = node.work_dir() / "bad-rule-userconfig.xml";
  std::ofstream(file) << "<!DOCTYPE safe>\n"
                         "<safe>\n"
                         "  <service mode=\"mirror\">\n"
                         "    <failover>\n"
                         "      <![CDATA[ broken_rule: if (custom.x == ) then stopstart(); ]]>\n"
                         "    </failover>\n"
                         "    <user/>\n"
                         "  </service>\n"
                         "</safe>\n";
  auto r = node.haven({"config", "check", file.string()});
  INFO(r.describe());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out + r.err, Catch::Contains(file.string() + ":4:") && Catch::Contains("safe/service/failover") &&
                                Catch::Contains("expected a value"));
}

TEST_CASE("the seed's userconfig.xml installs as printed, and start is refused naming the placeholders to fill in",
          "[integration][cli]") {
  HavenTestNode node;
  auto safe = pack_module(node.work_dir(), "seed", {slurp(seed_userconfig()), {}});
  auto install = node.haven({"module", "install", safe.string()});
  INFO(install.describe());
  REQUIRE(install.exit_code == 0);

  auto start = node.haven({"start", "-m", "seed"});
  INFO(start.describe());
  CHECK(start.exit_code != 0);
  CHECK_THAT(start.out + start.err, Catch::Contains("VIRTUAL_TO_BE_DEFINED") && Catch::Contains("PROCESS_NAME"));
  CHECK(node.module_state("seed").value("state", "") == "STOP");
}

TEST_CASE("module install refuses an archive whose configuration has an error and installs nothing",
          "[integration][cli]") {
  HavenTestNode node;
  auto safe = pack_module(node.work_dir(), "broken", {kBadUserConfig, {}});
  auto install = node.haven({"module", "install", safe.string()});
  INFO(install.describe());
  CHECK(install.exit_code != 0);
  CHECK_THAT(install.out + install.err, Catch::Contains("userconfig.xml:4:"));

  auto list = node.haven_json({"module", "list"});
  INFO(list.dump());
  CHECK(list == nlohmann::json::array());
  CHECK_FALSE(std::filesystem::exists(node.paths().module_dir("broken")));
}

TEST_CASE("plugins list shows the mirror behaviour, the Lua script engine and the TCP checker", "[integration][cli]") {
  HavenTestNode node;
  auto j = node.haven_json({"plugins", "list"});
  INFO(j.dump(2));
  std::vector<std::string> names;
  for (const auto& p : j.value("plugins", nlohmann::json::array())) names.push_back(p.value("name", ""));
  for (const char* want : {"haven.behaviour.mirror", "haven.script.lua", "haven.checker.tcp"})
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
}
