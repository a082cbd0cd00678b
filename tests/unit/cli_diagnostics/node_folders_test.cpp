// `haven -p`: the node's folders as JSON and as shell assignments.
#include <catch2/catch.hpp>

#include "node_folders.hpp"

using namespace haven;
using namespace haven::cli;

TEST_CASE("the system layout's folders, as hooks and administrators know them", "[folders]") {
  const auto j = node_folders_json(HavenPaths::system(), "/usr/bin", {"/usr/lib/haven/plugins", "/opt/extra plugins"});
  CHECK(j["SAFE"] == "/usr/bin/");
  CHECK(j["SAFEVAR"] == "/var/lib/haven/var");
  CHECK(j["modules"] == "/var/lib/haven/modules");
  CHECK(j["config"] == "/etc/haven");
  CHECK(j["logs"] == "/var/log/haven");
  CHECK(j["shipped_modules"] == "/usr/share/haven/modules");
  CHECK(j["plugins"].size() == 2);
  CHECK(j["root"].is_null());

  const auto text = node_folders_text(j);
  CHECK_THAT(text, Catch::Contains("SAFE=/usr/bin/\n") && Catch::Contains("HAVEN_LOG=/var/log/haven\n") &&
                       Catch::Contains("HAVEN_PLUGINS='/usr/lib/haven/plugins:/opt/extra plugins'\n") &&
                       !Catch::Contains("HAVEN_ROOT"));
}

TEST_CASE("with a root every folder is under it, and the root is printed", "[folders]") {
  const auto j = node_folders_json(HavenPaths::under("/tmp/node1"), "/build/bin", {});
  CHECK(j["root"] == "/tmp/node1");
  CHECK(j["modules"] == "/tmp/node1/lib/modules");
  CHECK(j["cluster_key"] == "/tmp/node1/etc/cluster.key");
  CHECK_THAT(node_folders_text(j), Catch::Contains("HAVEN_ROOT=/tmp/node1\n") && Catch::Contains("HAVEN_CONF=/tmp/node1/etc\n"));
}
