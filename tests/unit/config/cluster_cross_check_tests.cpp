#include <catch2/catch.hpp>

#include "config/cluster_config.hpp"
#include "config/cluster_cross_check.hpp"
#include "config/user_config_loader.hpp"
#include "config_test_support.hpp"

namespace haven::config {
namespace {

ClusterConfig two_lans() {
  auto loaded = parse_cluster_config(
      "<cluster><lans><lan name=\"default\"><node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/></lan>"
      "<lan name=\"repli\"><node name=\"node1\" addr=\"127.0.1.1\"/><node name=\"node2\" addr=\"127.0.1.2\"/></lan></lans></cluster>",
      "cluster.xml", {});
  REQUIRE(loaded.config);
  return *loaded.config;
}

UserConfig user(const std::string& xml) {
  auto loaded = parse_user_config(xml, "userconfig.xml", {});
  INFO(testing::dump(loaded.diagnostics));
  REQUIRE(loaded.config);
  return *loaded.config;
}

}  // namespace

TEST_CASE("names that cluster.xml defines raise nothing", "[config][cluster]") {
  const auto config = user(
      "<safe><service mode=\"mirror\"><heart><heartbeat name=\"default\"/><heartbeat name=\"repli\" ident=\"flow\"/></heart>"
      "</service></safe>");
  CHECK(check_against_cluster(config, two_lans(), "userconfig.xml", "/etc/cluster.xml").empty());
}

TEST_CASE("a heartbeat on a lan cluster.xml lacks is named with its line and the lans there are", "[config][cluster]") {
  const auto config = user("<safe><service mode=\"mirror\"><heart>\n<heartbeat name=\"default\"/>\n"
                           "<heartbeat name=\"private\"/></heart></service></safe>");
  const auto found = check_against_cluster(config, two_lans(), "userconfig.xml", "/etc/cluster.xml");
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == Severity::warning);
  CHECK(found[0].line == 3);
  CHECK(found[0].path == "safe/service/heart/heartbeat@name");
  CHECK(found[0].message.find("\"private\" is not a lan of /etc/cluster.xml") != std::string::npos);
  CHECK(found[0].message.find("\"default\", \"repli\"") != std::string::npos);
}

TEST_CASE("a farm's lans, the flow lan and load-balancing hosts are checked too", "[config][cluster]") {
  const auto config = user(
      "<safe><service mode=\"farm\"><farm><lan name=\"default\"/><lan name=\"backend\"/></farm>"
      "<vip><loadbalancing_list><group name=\"FarmProto\"><cluster><host name=\"node1\"/><host name=\"node9\"/></cluster>"
      "</group></loadbalancing_list></vip></service></safe>");
  const auto found = check_against_cluster(config, two_lans(), "userconfig.xml", "cluster.xml");
  REQUIRE(found.size() == 2);
  CHECK(testing::matching(found, Severity::warning, "safe/service/farm/lan@name", "\"backend\"").size() == 1);
  CHECK(testing::matching(found, Severity::warning, "safe/service/vip/loadbalancing_list/group/cluster/host@name",
                          "\"node9\" is not a node of cluster.xml (its nodes: \"node1\", \"node2\")")
            .size() == 1);

  const auto mirror = user("<safe><service mode=\"mirror\"><rfs><flow name=\"storage\"/>"
                           "<replicated dir=\"/tmp/x\"/></rfs></service></safe>");
  const auto flow = check_against_cluster(mirror, two_lans(), "userconfig.xml", "cluster.xml");
  CHECK(testing::matching(flow, Severity::warning, "safe/service/rfs/flow@name", "\"storage\"").size() == 1);
}

}  // namespace haven::config
