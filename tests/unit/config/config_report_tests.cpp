#include <catch2/catch.hpp>
#include <sstream>

#include "config/config_report.hpp"
#include "config/not_acted_on.hpp"
#include "config/user_config_places.hpp"

using namespace haven::config;

namespace {
std::vector<Diagnostic> sample() {
  return {Diagnostic{Severity::error, "u.xml", 3, "safe/service/heart@pulse", "\"abc\" is not a time"},
          Diagnostic{Severity::warning, "u.xml", 7, "", "typographic quotes"},
          Diagnostic{Severity::warning, "u.xml", 0, "safe", "something"}};
}
}  // namespace

TEST_CASE("config check prints one diagnostic per line, then the counts", "[config][report]") {
  std::ostringstream out;
  print_diagnostics(out, sample());
  CHECK(out.str() ==
        "u.xml:3: error: safe/service/heart@pulse: \"abc\" is not a time\n"
        "u.xml:7: warning: typographic quotes\n"
        "u.xml: warning: safe: something\n"
        "1 error, 2 warnings\n");
  CHECK(summarize({}) == "0 errors, 0 warnings");
}

TEST_CASE("config check --json gives the counts and every diagnostic", "[config][report]") {
  const auto j = diagnostics_to_json(sample());
  CHECK(j["errors"] == 1);
  CHECK(j["warnings"] == 2);
  REQUIRE(j["diagnostics"].size() == 3);
  CHECK(j["diagnostics"][0]["severity"] == "error");
  CHECK(j["diagnostics"][0]["line"] == 3);
  CHECK(j["diagnostics"][0]["path"] == "safe/service/heart@pulse");
  CHECK(j["diagnostics"][1]["file"] == "u.xml");
}

TEST_CASE("finding 19: what works is never called ignored", "[config][report]") {
  // Acted on: replication, virtual IPs, checkers, errd, failover rules, defaultprim (review
  // finding 19: the hand-written list called them ignored). The list is generated now; this
  // holds the line for the elements that finding named.
  for (const char* acted : {"safe/service/vip", "safe/service/rfs", "safe/service/check", "safe/service/errd",
                            "safe/service/failover", "safe/service@defaultprim", "safe/service/user"})
    for (std::string_view place : not_acted_on()) {
      INFO(acted << " listed as " << place);
      CHECK_FALSE(place_matches(place, acted));
    }
}
