// The configuration report against its two sources: the table of where each model field comes
// from (user_config_places.cpp) and the generated list of places nothing reads
// (not_acted_on.inc). Every document here is built from a place, so the tests follow the
// table and the list as they change; the consumption scan (config_report_matches_consumption)
// holds the list to the code.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "config/not_acted_on.hpp"
#include "config/user_config_loader.hpp"
#include "config/user_config_places.hpp"
#include "config_test_support.hpp"

using namespace haven::config;
using haven::config::testing::dump;

namespace {

const std::string kNotActed = "does not act on it yet";

bool listed(const std::string& path) {
  const auto list = not_acted_on();
  return std::any_of(list.begin(), list.end(), [&](std::string_view p) { return place_matches(p, path); });
}

// A userconfig.xml that sets `place` and only what it needs around it: "*" (any child of
// <check> or <errd>, which belongs to a plugin) becomes <example>, an attribute gets "1". A
// farm's places are set in a farm module, so that no "applies to farm modules only" stands
// in front of what is tested.
struct PlaceDocument {
  std::string xml;
  std::string path;  ///< the place with "*" replaced: the path diagnostics name
  int line = 0;      ///< the line of the element that carries the place
};

PlaceDocument document_setting(std::string_view place) {
  const auto at = place.find('@');
  const std::string elements(place.substr(0, at));
  const std::string attribute = at == std::string_view::npos ? "" : std::string(place.substr(at + 1));
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= elements.size();) {
    const auto slash = elements.find('/', start);
    names.push_back(elements.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  for (auto& n : names)
    if (n == "*") n = "example";
  const bool farm = elements.find("/farm") != std::string::npos ||
                    elements.find("virtual_interface") != std::string::npos ||
                    elements.find("loadbalancing_list") != std::string::npos;
  PlaceDocument doc;
  std::string closing;
  for (std::size_t i = 0; i < names.size(); ++i) {
    doc.path += (i ? "/" : "") + names[i];
    doc.xml += "<" + names[i];
    if (names[i] == "service" && i == 1 && !(i + 1 == names.size() && attribute == "mode"))
      doc.xml += farm ? " mode=\"farm\"" : " mode=\"mirror\"";
    if (i + 1 == names.size() && !attribute.empty()) doc.xml += " " + attribute + "=\"1\"";
    doc.xml += ">\n";
    closing = "</" + names[i] + ">\n" + closing;
  }
  doc.line = static_cast<int>(names.size());
  if (!attribute.empty()) doc.path += "@" + attribute;
  doc.xml += closing;
  // Outside <service> (a <macro>), the file still needs its <service>: after the place.
  if (names.size() < 2 || names[1] != "service")
    doc.xml.insert(doc.xml.rfind("</safe>"), "<service mode=\"mirror\"/>\n");
  return doc;
}

std::vector<Diagnostic> load(const PlaceDocument& doc) {
  return parse_user_config(doc.xml, "userconfig.xml", {}).diagnostics;
}

// What the loader says has no effect at `path` or at an element around it.
std::vector<Diagnostic> no_effect_at_or_around(const std::vector<Diagnostic>& all, const std::string& path) {
  std::vector<Diagnostic> out;
  for (const auto& d : all) {
    const bool here = d.path == path || path.rfind(d.path + "/", 0) == 0 || path.rfind(d.path + "@", 0) == 0;
    const bool no_effect = d.message.find(kNotActed) != std::string::npos ||
                           d.message.find("ignored on Linux") != std::string::npos;
    if (d.severity == Severity::warning && here && no_effect) out.push_back(d);
  }
  return out;
}

std::set<std::string_view> xml_places() {
  std::set<std::string_view> out;
  for (const auto& row : model_places())
    if (row.kind != PlaceKind::not_a_place) out.insert(row.place);
  return out;
}

}  // namespace

TEST_CASE("place_matches: same element names, * for any one, the same attribute", "[config][report]") {
  CHECK(place_matches("safe/service/check/*@ident", "safe/service/check/tcp@ident"));
  CHECK(place_matches("safe/service/check/*/to@interval", "safe/service/check/ping/to@interval"));
  CHECK(place_matches("safe/service@boot", "safe/service@boot"));
  CHECK(place_matches("safe/service/vhost", "safe/service/vhost"));
  CHECK_FALSE(place_matches("safe/service/check/*@ident", "safe/service/check@ident"));
  CHECK_FALSE(place_matches("safe/service/check/*@ident", "safe/service/check/tcp/to@ident"));
  CHECK_FALSE(place_matches("safe/service/vhost", "safe/service/vhost@x"));
  CHECK_FALSE(place_matches("safe/service@boot", "safe/service@boot_delay"));
  CHECK_FALSE(place_matches("safe/service/farm", "safe/service/farm/lan"));
}

TEST_CASE("every place of the model table is one the loader reads (no misspelt or stale place)", "[config][report]") {
  for (std::string_view place : xml_places()) {
    const PlaceDocument doc = document_setting(place);
    INFO(place << "\n" << doc.xml << dump(load(doc)));
    for (const auto& d : load(doc)) CHECK(d.message.find("unknown") == std::string::npos);
  }
}

TEST_CASE("the generated list names only places of the model table", "[config][report]") {
  const auto places = xml_places();
  for (std::string_view listed_place : not_acted_on()) {
    INFO(listed_place);
    CHECK(places.count(listed_place) == 1);
  }
}

TEST_CASE("a place nothing acts on gets exactly one warning, with its line, when the file sets it", "[config][report]") {
  REQUIRE_FALSE(not_acted_on().empty());
  for (std::string_view place : not_acted_on()) {
    const PlaceDocument doc = document_setting(place);
    const auto diagnostics = load(doc);
    INFO(place << "\n" << doc.xml << dump(diagnostics));
    const auto said = no_effect_at_or_around(diagnostics, doc.path);
    REQUIRE(said.size() == 1);
    // The warning is about the place itself, or about the listed element around it.
    CHECK((said[0].path == doc.path || listed(said[0].path)));
    if (said[0].path == doc.path) CHECK(said[0].line == doc.line);
    CHECK(said[0].file == "userconfig.xml");
  }
}

TEST_CASE("a place the code acts on is never reported as ignored", "[config][report]") {
  std::size_t acted = 0;
  for (std::string_view place : xml_places()) {
    if (listed(std::string(place))) continue;
    ++acted;
    const PlaceDocument doc = document_setting(place);
    const auto diagnostics = load(doc);
    INFO(place << "\n" << doc.xml << dump(diagnostics));
    for (const auto& d : diagnostics)
      if (d.path == doc.path) CHECK(d.message.find(kNotActed) == std::string::npos);
  }
  CHECK(acted > 0);
}

TEST_CASE("a place the loader already warns about gets no second warning", "[config][report]") {
  // Windows-only attributes of <rfs> have their own warning; when nothing reads them either,
  // the administrator reads one line, not two.
  for (const char* windows : {"iotimeout", "roflags", "allocthreshold", "nfsbox_options"}) {
    const std::string path = std::string("safe/service/rfs@") + windows;
    if (!listed(path)) continue;
    const auto diagnostics = load(document_setting(path));
    INFO(dump(diagnostics));
    CHECK(std::count_if(diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& d) { return d.path == path; }) == 1);
  }
}

TEST_CASE("an element nothing acts on is reported once, not once per attribute inside it", "[config][report]") {
  std::size_t checked = 0;
  for (std::string_view element : not_acted_on()) {
    if (element.find('@') != std::string_view::npos) continue;
    // Every listed attribute of that element, all set at once.
    std::string attributes;
    for (std::string_view place : not_acted_on())
      if (place.substr(0, place.find('@')) == element && place.find('@') != std::string_view::npos)
        attributes += " " + std::string(place.substr(place.find('@') + 1)) + "=\"1\"";
    if (attributes.empty()) continue;
    ++checked;
    PlaceDocument doc = document_setting(element);
    const std::string name = doc.path.substr(doc.path.rfind('/') + 1);
    const auto tag = doc.xml.find("<" + name + ">");
    REQUIRE(tag != std::string::npos);
    doc.xml.insert(tag + 1 + name.size(), attributes);
    const auto diagnostics = load(doc);
    INFO(element << "\n" << doc.xml << dump(diagnostics));
    CHECK(no_effect_at_or_around(diagnostics, doc.path).size() == 1);
    for (const auto& d : diagnostics)
      if (d.path.rfind(doc.path + "@", 0) == 0) CHECK(d.message.find(kNotActed) == std::string::npos);
  }
  INFO("listed elements with listed attributes: " << checked);
  SUCCEED();
}
