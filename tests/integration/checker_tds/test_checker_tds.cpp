// haven.checker.tds through FreeTDS against the TDS stand-in of this folder, on loopback only.
// FreeTDS reads the test's own freetds.conf (FREETDSCONF), never the machine's.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "haven_test_node.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"
#include "tds_checker.hpp"
#include "tds_standin.hpp"
#include "test_module.hpp"

using haven::checker_tds::TdsChecker;
using haven::test::TdsStandin;
using namespace std::chrono_literals;

namespace {

// FreeTDS's configuration for this process: TDS 7.4, nothing from /etc/freetds.
void isolate_freetds() {
  static const bool done = [] {
    const auto file = std::filesystem::temp_directory_path() / ("haven-freetds-" + std::to_string(::getpid()) + ".conf");
    std::ofstream(file) << "[global]\n\ttds version = 7.4\n";
    ::setenv("FREETDSCONF", file.c_str(), 1);
    ::setenv("TDSVER", "7.4", 1);
    return true;
  }();
  (void)done;
}

haven::ConfigNode tds_element(std::vector<std::pair<std::string, std::string>> attributes) {
  haven::ConfigNode tds;
  tds.name = "tds";
  tds.attributes = {{"ident", "sql"}};
  for (auto& a : attributes) tds.attributes.push_back(std::move(a));
  tds.file = "/m/conf/userconfig.xml";
  tds.line = 21;
  tds.path = "safe/service/check/tds";
  return tds;
}

haven::ConfigNode login_element(int port, const std::string& password) {
  return tds_element({{"addr", "127.0.0.1"}, {"port", std::to_string(port)}, {"user", "haven_check"},
                      {"password", password}});
}

haven::CheckResult probe(const haven::ConfigNode& element, std::chrono::milliseconds timeout) {
  isolate_freetds();
  haven::BasicHostContext context;
  context.with_config(element);
  auto checker = TdsChecker::from_host(context);
  REQUIRE(checker.ok());
  auto result = checker.value()->probe(timeout);
  REQUIRE(result.ok());
  return *result;
}

// A port of 127.0.0.1 nothing listens on (bound, then closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("a login with the right password is up, after FreeTDS's pre-login and a TDS 7.4 login7", "[checker-tds]") {
  TdsStandin server(TdsStandin::Mode::answering, "haven_check", "s3cret!");
  const auto result = probe(login_element(server.port(), "s3cret!"), 5s);
  INFO(result.reason);
  CHECK(result.up);
  CHECK_THAT(result.reason, Catch::StartsWith("logged in to 127.0.0.1:" + std::to_string(server.port()) +
                                              " as haven_check in "));
  CHECK(server.prelogins() == 1);
  const auto logins = server.logins();
  REQUIRE(logins.size() == 1);
  CHECK(logins[0].user == "haven_check");
  CHECK(logins[0].password == "s3cret!");
  CHECK(logins[0].tds_version == 0x74000004u);
  CHECK(logins[0].app == "haven-check");
}

TEST_CASE("a wrong password is down with the server's error 18456", "[checker-tds]") {
  TdsStandin server(TdsStandin::Mode::answering, "haven_check", "s3cret!");
  const auto result = probe(login_element(server.port(), "wrong"), 5s);
  INFO(result.reason);
  CHECK_FALSE(result.up);
  CHECK_THAT(result.reason, Catch::StartsWith("cannot log in to 127.0.0.1:" + std::to_string(server.port()) +
                                              " as haven_check: ") &&
                                Catch::Contains("server error 18456: Login failed for user 'haven_check'."));
  REQUIRE(server.logins().size() == 1);
  CHECK(server.logins()[0].password == "wrong");
}

TEST_CASE("a closed port is down at once, saying the connection failed", "[checker-tds]") {
  const int port = closed_port();
  const auto start = std::chrono::steady_clock::now();
  const auto result = probe(login_element(port, "x"), 5s);
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(result.reason);
  CHECK_FALSE(result.up);
  CHECK_THAT(result.reason, Catch::StartsWith("cannot log in to 127.0.0.1:" + std::to_string(port) + " as haven_check: "));
  CHECK_THAT(result.reason, Catch::Contains("Unable to connect") &&
                                Catch::EndsWith("(is SQL Server running and listening on 127.0.0.1:" +
                                                std::to_string(port) + "?)"));
  CHECK_THAT(result.reason, !Catch::Contains("no answer within"));
  CHECK(took < 4s);
}

TEST_CASE("a server that accepts and never answers is down after the timeout, saying so", "[checker-tds]") {
  TdsStandin server(TdsStandin::Mode::silent, "haven_check", "s3cret!");
  const auto start = std::chrono::steady_clock::now();
  const auto result = probe(login_element(server.port(), "s3cret!"), 2s);
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(result.reason << " (took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms)");
  CHECK_FALSE(result.up);
  CHECK_THAT(result.reason, Catch::Contains(": no answer within "));
  CHECK(server.prelogins() == 0);  // it read the pre-login and never answered
  CHECK(took >= 1500ms);
  CHECK(took < 8s);
}

TEST_CASE("tds checker configuration errors name the place, the value and what is expected", "[checker-tds]") {
  using haven::checker_tds::configure_tds;
  using haven::checker_tds::parse_tds_target;
  SECTION("a full element is accepted, with defaults for port and tds_version") {
    auto target = parse_tds_target(tds_element({{"addr", "db1"}, {"user", "u"}, {"password", "p"}}));
    REQUIRE(target.ok());
    CHECK(target->port == 1433);
    CHECK(target->tds_version == "7.4");
    CHECK(configure_tds(tds_element({{"addr", "db1"}, {"user", "u"}, {"password", "p"}, {"interval", "5s"}})).diagnostics.empty());
  }
  SECTION("no addr") {
    auto r = parse_tds_target(tds_element({{"user", "u"}}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == haven::Errc::invalid_argument);
    CHECK_THAT(r.error().message, Catch::StartsWith("haven.checker.tds: /m/conf/userconfig.xml:21 <safe/service/check/tds>") &&
                                      Catch::Contains("no addr attribute"));
  }
  SECTION("no user") {
    auto r = parse_tds_target(tds_element({{"addr", "127.0.0.1"}}));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("no user attribute"));
  }
  for (const char* bad : {"0", "65536", "sql", ""}) {
    DYNAMIC_SECTION("port '" << bad << "'") {
      auto r = parse_tds_target(tds_element({{"addr", "127.0.0.1"}, {"user", "u"}, {"port", bad}}));
      REQUIRE_FALSE(r.ok());
      CHECK_THAT(r.error().message, Catch::Contains(std::string("has port=\"") + bad +
                                                    "\", expected a TCP port number from 1 to 65535"));
    }
  }
  SECTION("an unknown TDS version") {
    auto r = parse_tds_target(tds_element({{"addr", "127.0.0.1"}, {"user", "u"}, {"tds_version", "8.0"}}));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("tds_version=\"8.0\", expected 7.0, 7.1, 7.2, 7.3 or 7.4"));
  }
  SECTION("no password and an unknown attribute are warnings") {
    auto c = configure_tds(tds_element({{"addr", "127.0.0.1"}, {"user", "u"}, {"colour", "red"}}));
    CHECK(c.ok());
    REQUIRE(c.diagnostics.size() == 2);
    CHECK_THAT(c.diagnostics[0].message, Catch::Contains("empty password"));
    CHECK_THAT(c.diagnostics[1].message, Catch::Contains("unknown attribute"));
  }
}

TEST_CASE("the built tds plugin loads through the plugin host, owns <tds> and probes", "[checker-tds]") {
  isolate_freetds();
  haven::PluginHost host;
  auto info = host.load_file(HAVEN_TDS_PLUGIN_FILE);
  REQUIRE(info.ok());
  CHECK(info->name == "haven.checker.tds");
  CHECK(info->kind == "checker");

  TdsStandin server(TdsStandin::Mode::answering, "haven_check", "s3cret!");
  auto context = std::make_shared<haven::BasicHostContext>();
  context->with_config(login_element(server.port(), "s3cret!"));
  auto checker = host.make_checker("haven.checker.tds", context);
  REQUIRE(checker.ok());
  auto result = checker.value()->probe(5s);
  REQUIRE(result.ok());
  INFO(result->reason);
  CHECK(result->up);

  auto bad = std::make_shared<haven::BasicHostContext>();
  bad->with_config(tds_element({{"addr", "127.0.0.1"}}));
  auto refused = host.make_checker("haven.checker.tds", bad);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("no user attribute"));
}

TEST_CASE("haven finds the tds checker by its element: a good one passes config check, a bad port refuses the install at its line",
          "[checker-tds][integration]") {
  haven::test::HavenTestNode node;
  const std::string good = R"(<tds ident="sql" addr="127.0.0.1" port="1433" user="haven_check" password="x"/>)";
  const std::string bad = R"(<tds ident="sql" addr="127.0.0.1" port="99999" user="haven_check" password="x"/>)";
  for (const auto& [name, element] : {std::pair{std::string("tdsgood"), good}, std::pair{std::string("tdsbad"), bad}}) {
    haven::test::ModuleSource source;
    source.userconfig = "<!DOCTYPE safe>\n<safe>\n<service mode=\"mirror\">\n<check>\n" + element +
                        "\n</check>\n<user/>\n</service>\n</safe>\n";
    auto safe = haven::test::pack_module(node.work_dir(), name, source);
    auto install = node.haven({"module", "install", safe.string()});
    INFO(install.describe());
    if (name == "tdsbad") {
      // the plugin's finding refuses the install, at the element's line
      CHECK(install.exit_code != 0);
      CHECK_THAT(install.err, Catch::Contains("userconfig.xml:5: error: safe/service/check/tds@port") &&
                                  Catch::Contains("port=\"99999\", expected a TCP port number"));
      continue;
    }
    REQUIRE(install.exit_code == 0);
    auto check = node.haven({"config", "check", "-m", name});
    INFO(check.describe());
    CHECK(check.exit_code == 0);
    CHECK_THAT(check.out, Catch::Contains("0 errors"));
  }
}
