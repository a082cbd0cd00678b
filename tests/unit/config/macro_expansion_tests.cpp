#include <catch2/catch.hpp>

#include "config/macro_expansion.hpp"
#include "config/user_config_loader.hpp"

using namespace haven::config;

TEST_CASE("%NAME% expands from macros before the environment", "[config][macro]") {
  std::vector<std::string> unknown;
  const Variables macros{{"IP", "10.0.0.1"}};
  const Variables env{{"IP", "192.0.2.9"}, {"HOME", "/root"}};
  CHECK(expand_variables("%IP%:%HOME%", macros, env, unknown) == "10.0.0.1:/root");
  CHECK(unknown.empty());
}

TEST_CASE("an unknown %NAME% stays as written and is reported", "[config][macro]") {
  std::vector<std::string> unknown;
  CHECK(expand_variables("a %NOPE% b", {}, {}, unknown) == "a %NOPE% b");
  REQUIRE(unknown == std::vector<std::string>{"NOPE"});
}

TEST_CASE("a lone percent sign is plain text", "[config][macro]") {
  std::vector<std::string> unknown;
  CHECK(expand_variables("50% of %X%", {{"X", "y"}}, {}, unknown) == "50% of y");
  CHECK(expand_variables("100%", {}, {}, unknown) == "100%");
  CHECK(unknown.empty());
}

TEST_CASE("macros expand in every attribute of the file, and may use the environment", "[config][macro]") {
  const char* xml = R"(<safe>
  <macro name="VIP" value="192.0.2.%LAST%"/>
  <macro name="DIR" value="/srv/app"/>
  <service mode="mirror">
    <vip><interface_list><interface><real_interface>
      <virtual_addr addr="%VIP%" where="one_side_alias"/>
    </real_interface></interface></interface_list></vip>
    <rfs><replicated dir="%DIR%/data"/></rfs>
    <user><var name="APP_DIR" value="%DIR%"/><var name="WHO" value="%UNSET%"/></user>
  </service>
</safe>)";
  auto loaded = parse_user_config(xml, "m.xml", {{"LAST", "7"}});
  REQUIRE(loaded.config);
  const auto& c = *loaded.config;
  CHECK(c.macros.at("VIP") == "192.0.2.7");
  CHECK(c.vip->interfaces.at(0).real_interface.at(0).addr == "192.0.2.7");
  CHECK(c.rfs->replicated.at(0).dir == "/srv/app/data");
  CHECK(c.user->vars.at(0).value == "/srv/app");
  CHECK(c.user->vars.at(1).value == "%UNSET%");
  bool warned = false;
  for (const auto& d : loaded.diagnostics)
    if (d.path == "safe/service/user/var@value" && d.line == 9 &&
        d.message.find("%UNSET%") != std::string::npos && d.severity == Severity::warning)
      warned = true;
  CHECK(warned);
  CHECK(c.document.child("service")->child("rfs")->child("replicated")->attribute("dir") == "/srv/app/data");
}

TEST_CASE("finding 9: a macro that multiplies the one before is stopped at a bounded size, naming it",
          "[config][macro]") {
  // Each macro holds the previous one ten times: A4 would be 100 000 bytes.
  std::string xml = "<safe>\n  <macro name=\"A0\" value=\"aaaaaaaaaa\"/>\n";
  for (int i = 1; i <= 5; ++i) {
    xml += "  <macro name=\"A" + std::to_string(i) + "\" value=\"";
    for (int k = 0; k < 10; ++k) xml += "%A" + std::to_string(i - 1) + "%";
    xml += "\"/>\n";
  }
  xml += "  <service mode=\"mirror\"><user><var name=\"X\" value=\"%A5%\"/></user></service>\n</safe>\n";
  auto loaded = parse_user_config(xml, "bomb.xml", {});
  std::vector<Diagnostic> errors;
  for (const auto& d : loaded.diagnostics)
    if (d.severity == Severity::error) errors.push_back(d);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 6);
  CHECK(errors[0].path == "safe/macro@value");
  CHECK(errors[0].message.find("macro \"A4\"") != std::string::npos);
  CHECK(errors[0].message.find("%A3%") != std::string::npos);
  CHECK(errors[0].message.find(std::to_string(kMaxExpandedValue)) != std::string::npos);
  for (const auto& d : loaded.diagnostics) CHECK(d.message.size() < 1000);
}

TEST_CASE("finding 9: the whole file grows by a bounded amount through macros", "[config][macro]") {
  std::string xml = "<safe>\n  <macro name=\"M\" value=\"" + std::string(60000, 'm') + "\"/>\n  <service mode=\"mirror\"><user>\n";
  for (int i = 0; i < 20; ++i) xml += "    <var name=\"V" + std::to_string(i) + "\" value=\"%M%\"/>\n";
  xml += "  </user></service>\n</safe>\n";
  auto loaded = parse_user_config(xml, "wide.xml", {});
  bool stopped = false;
  for (const auto& d : loaded.diagnostics)
    if (d.severity == Severity::error && d.path == "safe/service/user/var@value" &&
        d.message.find("%M%") != std::string::npos && d.message.find("whole file") != std::string::npos)
      stopped = true;
  CHECK(stopped);
}
