// haven-netns from the command line: a cluster outlives the `up` process, every later command
// finds it from its record, and `down` removes it, twice without complaint.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cluster_probe.hpp"
#include "cluster_store.hpp"
#include "namespace_cleanup.hpp"

using namespace std::chrono_literals;
using namespace haven::cluster;
using namespace haven::cluster::test;

namespace {

CommandOutput haven_netns(std::vector<std::string> args) {
  args.insert(args.begin(), HAVEN_NETNS_PROGRAM);
  return run_command(args, 30s);
}

// Removes the cluster even when an assertion fails half-way.
struct DownAtEnd {
  std::string name;
  ~DownAtEnd() { (void)haven_netns({"down", "--name", name}); }
};

}  // namespace

TEST_CASE("haven-netns up, exec, cut, partition, list and down work from separate processes", "[cluster][cli]") {
  REQUIRE_NETNS_OR_SKIP();
  const std::string name = "cli" + std::to_string(::getpid());
  DownAtEnd guard{name};

  auto up = haven_netns({"up", "--name", name, "--nodes", "2", "--clients", "1"});
  INFO(up.describe());
  REQUIRE(up.exit_code == 0);
  CHECK_THAT(up.out, Catch::Contains("198.51.100.101/25"));
  auto again = haven_netns({"up", "--name", name});
  CHECK(again.exit_code != 0);
  CHECK_THAT(again.err, Catch::Contains("already up"));

  // The `up` process has ended: its namespaces are not stale, its record protects them.
  REQUIRE(NetnsCluster::remove_stale().ok());
  auto stored = load_cluster(name);
  REQUIRE(stored.ok());
  CHECK(stored->complete);
  for (const auto& ns : stored->layout.namespaces()) CHECK(namespace_exists(ns));

  auto ping = haven_netns({"exec", "--name", name, "client1", "--", "ping", "-n", "-c1", "-W1", "198.51.100.2"});
  INFO(ping.describe());
  CHECK(ping.exit_code == 0);

  auto cut = haven_netns({"cut", "--name", name, "node2"});
  INFO(cut.describe());
  REQUIRE(cut.exit_code == 0);
  auto carrier = haven_netns({"exec", "--name", name, "node2", "--", "cat", "/sys/class/net/eth0/carrier"});
  CHECK(carrier.out == "0\n");
  REQUIRE(haven_netns({"restore", "--name", name, "node2"}).exit_code == 0);

  auto part = haven_netns({"partition", "--name", name, "node1,client1", "node2"});
  INFO(part.describe());
  REQUIRE(part.exit_code == 0);
  auto blocked = haven_netns({"exec", "--name", name, "client1", "--", "ping", "-n", "-c1", "-W1", "198.51.100.2"});
  CHECK(blocked.exit_code != 0);
  REQUIRE(haven_netns({"heal", "--name", name}).exit_code == 0);
  auto healed = haven_netns({"exec", "--name", name, "client1", "--", "ping", "-n", "-c1", "-W1", "198.51.100.2"});
  CHECK(healed.exit_code == 0);

  auto list = haven_netns({"list", "--name", name, "--json"});
  REQUIRE(list.exit_code == 0);
  const auto doc = nlohmann::json::parse(list.out);
  REQUIRE(doc["clusters"].size() == 1);
  CHECK(doc["clusters"][0]["present"] == true);
  CHECK(doc["clusters"][0]["layout"]["hosts"].size() == 3);
  // The short form the docs use: the cluster as first word.
  auto short_form = haven_netns({"exec", name, "node1", "--", "cat", "/sys/class/net/eth0/operstate"});
  INFO(short_form.describe());
  CHECK(short_form.out == "up\n");

  auto down = haven_netns({"down", "--name", name});
  INFO(down.describe());
  CHECK(down.exit_code == 0);
  for (const auto& ns : stored->layout.namespaces()) CHECK_FALSE(namespace_exists(ns));
  CHECK_FALSE(load_cluster(name).ok());
  auto twice = haven_netns({"down", "--name", name});
  CHECK(twice.exit_code == 0);
  CHECK_THAT(twice.out, Catch::Contains("nothing to remove"));
}

TEST_CASE("haven-netns names what is wrong: an unknown cluster or host", "[cluster][cli]") {
  REQUIRE_NETNS_OR_SKIP();
  auto missing = haven_netns({"exec", "--name", "nosuchcluster", "node1", "--", "true"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("no cluster called 'nosuchcluster'"));
  auto help = haven_netns({"partition", "--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("comma-separated"));
}
