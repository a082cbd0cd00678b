#include <catch2/catch.hpp>

#include <unistd.h>

#include "common/atomic_file.hpp"
#include "config/cluster_config_file.hpp"

using namespace haven;

namespace {
const std::string kTwo =
    "<cluster><lans><lan name=\"default\"><node name=\"node1\" addr=\"198.51.100.1\"/>"
    "<node name=\"node2\" addr=\"198.51.100.2\"/></lan></lans></cluster>\n";
}

TEST_CASE("the signature of cluster.xml changes with any byte and is 16 hex digits", "[config][cluster]") {
  const auto a = config::cluster_config_signature(kTwo);
  CHECK(a.size() == 16);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(config::cluster_config_signature(kTwo) == a);
  CHECK(config::cluster_config_signature(kTwo + " ") != a);
  // SHA-256("") starts e3b0c442 98fc1c14.
  CHECK(config::cluster_config_signature("") == "e3b0c44298fc1c14");
}

TEST_CASE("a cluster.xml is checked for the node that installs it", "[config][cluster]") {
  CHECK(config::check_cluster_config_for(kTwo, "c.xml", "node2").ok());
  CHECK(config::check_cluster_config_for(kTwo, "c.xml", "").ok());
  auto other = config::check_cluster_config_for(kTwo, "c.xml", "node3");
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message == "c.xml does not name this node (node3); its nodes are: node1, node2");
  auto broken = config::check_cluster_config_for("<cluster><lans>\n<lan>\n</lan></lans></cluster>", "c.xml", "node1");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.find("c.xml:2") != std::string::npos);
}

TEST_CASE("installing a cluster.xml keeps the previous one; removing keeps it aside", "[config][cluster]") {
  char tmpl[] = "/tmp/hvccf.XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::filesystem::path root = tmpl;
  const auto paths = HavenPaths::resolve(root.string());
  REQUIRE(config::install_cluster_config(paths, kTwo).ok());
  CHECK(*read_file(paths.cluster_config()) == kTwo);
  CHECK_FALSE(std::filesystem::exists(paths.cluster_config().string() + ".previous"));
  const std::string changed = kTwo + "<!-- changed -->\n";
  REQUIRE(config::install_cluster_config(paths, changed).ok());
  CHECK(*read_file(paths.cluster_config()) == changed);
  CHECK(*read_file(paths.cluster_config().string() + ".previous") == kTwo);
  REQUIRE(write_file_atomically(paths.cluster_key(), "key", 0600).ok());
  REQUIRE(config::remove_cluster_config(paths, true).ok());
  CHECK_FALSE(std::filesystem::exists(paths.cluster_config()));
  CHECK_FALSE(std::filesystem::exists(paths.cluster_key()));
  CHECK(*read_file(paths.cluster_config().string() + ".previous") == changed);
  std::filesystem::remove_all(root);
}
