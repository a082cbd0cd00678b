// Which configuration changes `haven update` may apply to a running module (the seed's list).
#include <catch2/catch.hpp>

#include "module_store/dynamic_change.hpp"

namespace {

std::string config(const std::string& service_attributes, const std::string& body) {
  return "<safe><service mode=\"mirror\"" + service_attributes + ">" + body + "</service></safe>";
}

const std::string kBody =
    "<heart pulse=\"700ms\"><heartbeat name=\"default\"/></heart>"
    "<vip><interface_list><interface><real_interface><virtual_addr addr=\"10.0.0.9\" where=\"one_side_alias\"/>"
    "</real_interface></interface></interface_list></vip>"
    "<rfs async=\"second\" acl=\"off\"><replicated dir=\"/data\"/><flow/></rfs>"
    "<user nicestoptimeout=\"5s\"/><check><tcp ident=\"t\"/></check>";

std::vector<std::string> refused(const std::string& before, const std::string& after) {
  auto r = haven::changes_refused_while_running(before, after, "userconfig.xml");
  REQUIRE(r.ok());
  return *r;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("changes the seed allows on a running module are not refused", "[module_config][update]") {
  const auto base = config(" maxloop=\"3\"", kBody);
  CHECK(refused(base, base).empty());
  CHECK(refused(base, config(" maxloop=\"5\" boot=\"on\" loop_interval=\"1h\"", kBody)).empty());
  CHECK(refused(base, replaced(base, "pulse=\"700ms\"", "pulse=\"100ms\"")).empty());
  CHECK(refused(base, replaced(base, "nicestoptimeout=\"5s\"", "nicestoptimeout=\"9s\" forcestoptimeout=\"9s\"")).empty());
  CHECK(refused(base, replaced(base, "<tcp ident=\"t\"/>", "<tcp ident=\"t\"/><ping ident=\"p\"/>")).empty());
  CHECK(refused(base, replaced(base, "async=\"second\"", "async=\"none\" nbrei=\"4\"")).empty());
  CHECK(refused(base, replaced(base, "<flow/>", "<flow maxbandwidth=\"10\"/>")).empty());
  CHECK(refused(base, base + "\n<!-- a comment -->\n").empty());
}

TEST_CASE("every other change is refused, named as the administrator reads it", "[module_config][update]") {
  const auto base = config(" maxloop=\"3\"", kBody);
  CHECK(refused(base, replaced(base, "mode=\"mirror\"", "mode=\"farm\"")) == std::vector<std::string>{"<service mode>"});
  CHECK(refused(base, replaced(base, "10.0.0.9", "10.0.0.10")) == std::vector<std::string>{"<vip>"});
  CHECK(refused(base, replaced(base, "acl=\"off\"", "acl=\"on\"")) == std::vector<std::string>{"<rfs acl>"});
  CHECK(refused(base, replaced(base, "/data", "/data2")) == std::vector<std::string>{"<rfs><replicated>"});
  CHECK(refused(base, replaced(base, "<rfs", "<failover/><rfs")) == std::vector<std::string>{"<failover>"});
  CHECK(refused(base, config(" maxloop=\"3\" defaultprim=\"alone\"", kBody)) == std::vector<std::string>{"<service defaultprim>"});
  const auto both = refused(base, replaced(replaced(base, "10.0.0.9", "10.0.0.10"), "acl=\"off\"", "acl=\"on\""));
  CHECK(both == std::vector<std::string>{"<vip>", "<rfs acl>"});
}

TEST_CASE("a document that is not a configuration is an error, not a list", "[module_config][update]") {
  CHECK_FALSE(haven::changes_refused_while_running("<safe/>", "<oops", "userconfig.xml").ok());
  CHECK_FALSE(haven::changes_refused_while_running("<other/>", "<safe/>", "userconfig.xml").ok());
}
