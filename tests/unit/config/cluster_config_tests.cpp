#include <catch2/catch.hpp>

#include "config/cluster_config.hpp"
#include "config/network_address.hpp"
#include "config_test_support.hpp"

using namespace haven::config;
using haven::config::testing::data_dir;
using haven::config::testing::dump;
using haven::config::testing::matching;

TEST_CASE("a good cluster.xml gives its lans, nodes and addresses", "[config][cluster]") {
  const auto loaded = load_cluster_config(data_dir() / "config" / "cluster.xml", {});
  INFO(dump(loaded.diagnostics));
  REQUIRE(loaded.config);
  CHECK(loaded.diagnostics.empty());
  const ClusterConfig& c = *loaded.config;
  CHECK(c.port == 4800);
  CHECK(c.pulse == std::chrono::milliseconds(100));
  CHECK(c.mlost_count == 20);
  CHECK(c.slost_count == 10);
  REQUIRE(c.lans.size() == 2);
  CHECK(c.node_names() == std::vector<std::string>{"node1", "node2"});
  CHECK(c.address_of("node1", "default") == "192.168.1.67");
  CHECK(c.address_of("node1", "repli") == "[2001:db8::1]");
  CHECK(c.address_of("node2", "repli") == "node2-repli.example.com");
  CHECK_FALSE(c.address_of("node3", "default"));
  CHECK_FALSE(c.address_of("node1", "nolan"));
  CHECK(c.lans[0].nodes[0].laddr == "10.0.0.1");
  CHECK(c.lans[0].nodes[1].line == 5);
  REQUIRE(c.command_lan());
  CHECK(c.command_lan()->name == "default");
}

TEST_CASE("without command=\"on\" the first lan carries commands; defaults apply", "[config][cluster]") {
  const auto loaded = parse_cluster_config(
      "<cluster><lans><lan name=\"a\"><node name=\"n1\" addr=\"127.0.0.1\"/></lan>"
      "<lan name=\"b\"><node name=\"n1\" addr=\"127.0.1.1\"/></lan></lans></cluster>",
      "cluster.xml", {});
  REQUIRE(loaded.config);
  CHECK(loaded.config->command_lan()->name == "a");
  CHECK(loaded.config->port == 4800);
  CHECK(loaded.config->mlost_count == 20);
}

TEST_CASE("bad cluster.xml files name the line, the path and what is expected", "[config][cluster]") {
  struct Case {
    const char* what;
    const char* xml;
    Severity severity;
    int line;
    const char* path;
    const char* needle;
  };
  const Case cases[] = {
      {"bad IPv4", "<cluster><lans><lan name=\"default\">\n<node name=\"n1\" addr=\"300.1.1.1\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node@addr", "not a valid IPv4 address"},
      {"IPv6 without brackets", "<cluster><lans><lan name=\"default\">\n<node name=\"n1\" addr=\"2001:db8::1\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node@addr", "write [2001:db8::1]"},
      {"bad DNS name", "<cluster><lans><lan name=\"default\">\n<node name=\"n1\" addr=\"no_such host\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node@addr", "is not an address"},
      {"duplicate node", "<cluster><lans><lan name=\"default\"><node name=\"n1\" addr=\"10.0.0.1\"/>\n<node name=\"n1\" addr=\"10.0.0.2\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node@name", "node \"n1\" is listed twice"},
      {"shared address", "<cluster><lans><lan name=\"default\"><node name=\"n1\" addr=\"10.0.0.1\"/>\n<node name=\"n2\" addr=\"10.0.0.1\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node@addr", "also the address of node \"n1\""},
      {"duplicate lan", "<cluster><lans><lan name=\"a\"><node name=\"n1\" addr=\"10.0.0.1\"/></lan>\n<lan name=\"a\"><node name=\"n1\" addr=\"10.0.0.2\"/></lan>\n</lans></cluster>",
       Severity::error, 2, "cluster/lans/lan@name", "lan \"a\" is defined twice"},
      {"node missing from the command lan", "<cluster><lans>\n<lan name=\"a\"><node name=\"n1\" addr=\"10.0.0.1\"/></lan>\n<lan name=\"b\"><node name=\"n1\" addr=\"10.1.0.1\"/><node name=\"n2\" addr=\"10.1.0.2\"/></lan>\n</lans></cluster>",
       Severity::warning, 2, "cluster/lans/lan", "node \"n2\" has no address on lan \"a\", the command lan"},
      {"no lans", "<cluster>\n</cluster>", Severity::error, 1, "cluster", "no <lans> element"},
      {"node without addr", "<cluster><lans><lan name=\"a\">\n<node name=\"n1\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node", "<node> has no addr attribute"},
      {"two command lans", "<cluster><lans>\n<lan name=\"a\" command=\"on\"><node name=\"n1\" addr=\"10.0.0.1\"/></lan>\n<lan name=\"b\" command=\"on\"><node name=\"n1\" addr=\"10.1.0.1\"/></lan>\n</lans></cluster>",
       Severity::error, 3, "cluster/lans/lan@command", "expected at most one command lan"},
      {"finding 17: a control character in a node name",
       "<cluster><lans><lan name=\"a\">\n<node name=\"node2&#10;2099-01-01 FORGED\" addr=\"10.0.0.1\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node@name", "node name \"node2\\x0a2099-01-01 FORGED\" holds a control character"},
      {"a node name longer than a heartbeat carries",
       "<cluster><lans><lan name=\"a\">\n<node name=\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\" addr=\"10.0.0.1\"/>\n</lan></lans></cluster>",
       Severity::error, 2, "cluster/lans/lan/node@name", "node name of 65 bytes; expected at most 64"},
      {"typographic quotes", "<cluster><lans><lan name=\"a\">\n<node name=\xE2\x80\x9Dn1\xE2\x80\x9D addr=\"10.0.0.1\"/>\n</lan></lans></cluster>",
       Severity::warning, 2, "cluster/lans/lan/node", "typographic quotes"},
  };
  for (const Case& c : cases) {
    const auto loaded = parse_cluster_config(c.xml, "cluster.xml", {});
    INFO(c.what);
    INFO(dump(loaded.diagnostics));
    CHECK(matching(loaded.diagnostics, c.severity, c.path, c.needle).size() == 1);
    bool on_line = false;
    for (const auto& d : matching(loaded.diagnostics, c.severity, c.path, c.needle)) on_line = d.line == c.line;
    CHECK(on_line);
    CHECK(loaded.config.has_value() == !loaded.has_errors());
  }
}

TEST_CASE("node addresses: IPv4, [IPv6] and DNS names pass, others are refused", "[config][cluster]") {
  for (const char* good : {"192.168.1.67", "[2001:db8::1]", "[::1]", "node1", "node-2.example.com", "127.0.0.2"})
    CHECK(check_node_address(good).ok());
  for (const char* bad : {"", "256.0.0.1", "1.2.3", "[2001:db8::zz]", "-node", "node_1", "a..b", "::1"})
    CHECK_FALSE(check_node_address(bad).ok());
}

TEST_CASE("an N-1 layout (a lan with every node, a lan per pair) loads without a warning", "[config][cluster]") {
  const auto loaded = parse_cluster_config(
      "<cluster><lans>\n"
      "<lan name=\"default\"><node name=\"n1\" addr=\"10.0.0.1\"/><node name=\"n2\" addr=\"10.0.0.2\"/>"
      "<node name=\"n3\" addr=\"10.0.0.3\"/></lan>\n"
      "<lan name=\"n1-n2\"><node name=\"n1\" addr=\"10.0.0.1\"/><node name=\"n2\" addr=\"n2.example.com\"/></lan>\n"
      "<lan name=\"n2-n3\"><node name=\"n2\" addr=\"10.1.0.2\"/><node name=\"n3\" addr=\"10.1.0.3\"/></lan>\n"
      "</lans></cluster>",
      "cluster.xml", {});
  INFO(dump(loaded.diagnostics));
  REQUIRE(loaded.config);
  CHECK(loaded.diagnostics.empty());
  CHECK(loaded.config->node_names() == std::vector<std::string>{"n1", "n2", "n3"});
  CHECK(loaded.config->command_lan()->name == "default");
}
