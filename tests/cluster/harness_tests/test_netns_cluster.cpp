// The harness on real namespaces (root): reachability, cable cuts, partitions, processes,
// and that nothing is left behind, whether the cluster is destroyed, its owner is killed or
// interrupted.
#include <signal.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cluster_probe.hpp"
#include "namespace_cleanup.hpp"

using namespace std::chrono_literals;
using namespace haven::cluster;
using namespace haven::cluster::test;

namespace {

// How long traffic may take to come back after a restore or a heal (neighbour discovery).
constexpr std::chrono::seconds kSettle{10};

NetnsCluster make_cluster(const std::string& name, int lans = 1) {
  auto cluster = NetnsCluster::create(Spec{2, 1, lans, name});
  if (!cluster) FAIL("cannot build the cluster: " << cluster.error().message);
  return std::move(cluster).value();
}

std::vector<Probe> every_pair(const NetnsCluster& cluster, int lan = 1) {
  std::vector<Probe> probes;
  for (const auto& from : cluster.layout().hosts)
    for (const auto& to : cluster.layout().hosts)
      if (from.name != to.name) {
        probes.push_back({from.name, to.ipv4(lan)});
        probes.push_back({from.name, to.ipv6(lan)});
      }
  return probes;
}

std::filesystem::path temp_dir(const std::string& what) {
  auto dir = std::filesystem::temp_directory_path() / ("haven-cluster-" + what + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Forks a process that builds a cluster, says so on a pipe, and waits to be killed.
// Its pid, or -1 when it could not build one (the reason on stderr).
pid_t fork_cluster_holder(const std::string& name) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);  // not Catch2's handlers
    ::alarm(60);  // never outlive a broken test
    auto cluster = NetnsCluster::create(Spec{2, 1, 1, name});
    const char answer = cluster ? '1' : '0';
    if (!cluster) std::fprintf(stderr, "holder: %s\n", cluster.error().message.c_str());
    (void)!::write(ready[1], &answer, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char answer = '0';
  const bool got = pid > 0 && ::read(ready[0], &answer, 1) == 1;
  ::close(ready[0]);
  if (!got || answer != '1') {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    return -1;
  }
  return pid;
}

}  // namespace

TEST_CASE("two nodes and a client reach each other over IPv4 and IPv6 on every lan", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  auto cluster = make_cluster("reach", 2);
  auto node1 = cluster.host("node1");
  REQUIRE(node1.ok());
  auto addresses = cluster.run("node1", {"ip", "-o", "address", "show", "dev", "eth1"});
  REQUIRE(addresses.ok());
  CHECK_THAT(addresses->out, Catch::Contains("198.51.100.129/25"));
  CHECK_THAT(addresses->out, Catch::Contains("2001:db8:2::1/64"));

  auto probes = every_pair(cluster, 1);
  for (const auto& p : every_pair(cluster, 2)) probes.push_back(p);
  const auto results = ping_all(cluster, probes, kSettle);
  INFO(describe(results));
  for (const auto& [probe, reached] : results) CHECK(reached);
  CHECK(cluster.destroy().ok());
}

TEST_CASE("a cut link takes the host's carrier and traffic down; restoring it brings both back", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  auto cluster = make_cluster("cut");
  const auto node1 = cluster.host("node1").value();
  const auto node2 = cluster.host("node2").value();
  REQUIRE(cluster.cut_link("node1").ok());

  CHECK(read_in_host(cluster, "node1", "/sys/class/net/eth0/carrier") == "0");
  auto link = cluster.run("node1", {"ip", "-o", "link", "show", "dev", "eth0"});
  REQUIRE(link.ok());
  CHECK_THAT(link->out, Catch::Contains("NO-CARRIER"));
  CHECK_THAT(link->out, Catch::Contains(",UP"));  // still administratively up, as after a cable pull
  auto cut = ping_all(cluster, {{"client1", node1.ipv4()}, {"client1", node1.ipv6()},
                                {"client1", node2.ipv4()}, {"client1", node2.ipv6()}});
  INFO(describe(cut));
  CHECK_FALSE(cut[{"client1", node1.ipv4()}]);
  CHECK_FALSE(cut[{"client1", node1.ipv6()}]);
  CHECK(cut[{"client1", node2.ipv4()}]);
  CHECK(cut[{"client1", node2.ipv6()}]);

  REQUIRE(cluster.restore_link("node1").ok());
  CHECK(read_in_host(cluster, "node1", "/sys/class/net/eth0/carrier") == "1");
  auto back = ping_all(cluster, {{"client1", node1.ipv4()}, {"client1", node1.ipv6()}}, kSettle);
  INFO(describe(back));
  for (const auto& [probe, reached] : back) CHECK(reached);

  CHECK_FALSE(cluster.cut_link("node7").ok());
  CHECK_FALSE(cluster.cut_link("node1", 2).ok());  // one lan only
}

TEST_CASE("a partition lets hosts reach exactly their own group; heal joins them again", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  auto cluster = make_cluster("part");
  REQUIRE(cluster.partition({{"node1", "client1"}, {"node2"}}).ok());
  const auto probes = every_pair(cluster);
  const auto split = ping_all(cluster, probes);
  INFO(describe(split));
  auto group = [](const std::string& host) { return host == "node2" ? 2 : 1; };
  for (const auto& [probe, reached] : split) {
    std::string to;
    for (const auto& h : cluster.layout().hosts)
      if (h.ipv4() == probe.address || h.ipv6() == probe.address) to = h.name;
    INFO(probe.from << " -> " << to);
    CHECK(reached == (group(probe.from) == group(to)));
  }

  REQUIRE(cluster.heal().ok());
  const auto healed = ping_all(cluster, probes, kSettle);
  INFO(describe(healed));
  for (const auto& [probe, reached] : healed) CHECK(reached);
  CHECK(cluster.heal().ok());  // healing twice is fine
  CHECK_FALSE(cluster.partition({{"node1"}, {"node9"}}).ok());
}

TEST_CASE("run reports exit code and output, and kills a command that overstays", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  auto cluster = make_cluster("run");
  auto r = cluster.run("client1", {"sh", "-c", "ip -o -4 address show dev eth0; echo oops >&2; exit 3"});
  REQUIRE(r.ok());
  CHECK(r->exit_code == 3);
  CHECK_THAT(r->out, Catch::Contains("198.51.100.101/25"));
  CHECK(r->err == "oops\n");

  auto slow = cluster.run("node1", {"sleep", "30"}, 200ms);
  REQUIRE(slow.ok());
  CHECK(slow->timed_out);
  CHECK(slow->exit_code == 128 + SIGKILL);

  auto unknown = cluster.run("node3", {"true"});
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, Catch::Contains("node1, node2, client1"));
}

TEST_CASE("a spawned process can be signalled, waited for, and stopped even when it ignores SIGTERM", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  auto cluster = make_cluster("proc");
  const auto log = temp_dir("proc") / "proc.log";
  auto sleeper = cluster.spawn("node1", {"sleep", "300"}, {}, log);
  REQUIRE(sleeper.ok());
  CHECK(sleeper->running());
  CHECK_FALSE(sleeper->wait(10ms).has_value());
  CHECK(sleeper->signal(SIGKILL));
  CHECK(sleeper->wait(5s) == 128 + SIGKILL);
  CHECK_FALSE(sleeper->signal(SIGTERM));  // ended: nothing to signal

  auto stubborn = cluster.spawn("node1", {"sh", "-c", "trap '' TERM; echo trapped; sleep 300"}, {}, log);
  REQUIRE(stubborn.ok());
  for (int i = 0; i < 200 && slurp(log).find("trapped") == std::string::npos; ++i) std::this_thread::sleep_for(10ms);
  CHECK(stubborn->stop(200ms) == 128 + SIGKILL);
  CHECK_FALSE(stubborn->running());

  auto missing = cluster.spawn("node1", {"/nonexistent/program"}, {}, log);
  REQUIRE(missing.ok());  // ip netns exec reports it: the process ends at once with an error
  CHECK(missing->wait(5s).value_or(0) != 0);
}

TEST_CASE("destroy stops spawned processes and leaves the root namespace as it was, twice", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  const auto links_before = root_links();
  const auto namespaces_before = list_namespaces();
  const auto log = temp_dir("spawn") / "server.log";
  std::filesystem::remove(log);
  HostProcess server;
  {
    auto cluster = make_cluster("gone", 2);
    auto spawned = cluster.spawn("node2", {"sh", "-c", "echo \"$GREETING from $(cat /sys/class/net/eth1/address)\"; "
                                                       "ip -o -4 address show dev eth1; exec sleep 300"},
                                 {{"GREETING", "hello"}}, log);
    REQUIRE(spawned.ok());
    server = *spawned;
    CHECK(server.running());
    // The log fills asynchronously: wait (bounded) for the address line.
    for (int i = 0; i < 200 && slurp(log).find("198.51.100.130") == std::string::npos; ++i)
      std::this_thread::sleep_for(10ms);
    CHECK_THAT(slurp(log), Catch::Contains("hello from "));
    CHECK_THAT(slurp(log), Catch::Contains("198.51.100.130/25"));

    REQUIRE(cluster.destroy().ok());
    CHECK_FALSE(server.running());
    CHECK(cluster.destroy().ok());  // idempotent
    CHECK(namespaces_of(::getpid()).empty());
  }  // the destructor after destroy() does nothing more
  CHECK(root_links() == links_before);
  for (const auto& ns : list_namespaces()) {
    INFO(ns << " appeared during the test");
    // Another test binary may build its own clusters meanwhile; none of ours may remain.
    if (!std::binary_search(namespaces_before.begin(), namespaces_before.end(), ns))
      CHECK(namespace_owner(ns) != ::getpid());
  }
}

TEST_CASE("the destructor removes a cluster that was not destroyed", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  { auto cluster = make_cluster("scope"); CHECK(namespaces_of(::getpid()).size() == 4); }
  CHECK(namespaces_of(::getpid()).empty());
}

TEST_CASE("namespaces of a process killed with SIGKILL are removed by remove_stale", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  const pid_t holder = fork_cluster_holder("killed");
  REQUIRE(holder > 0);
  CHECK(namespaces_of(holder).size() == 4);
  ::kill(holder, SIGKILL);
  REQUIRE(::waitpid(holder, nullptr, 0) == holder);
  const auto left = namespaces_of(holder);
  INFO("left by the killed holder: " << left.size());
  CHECK(left.size() == 4);  // SIGKILL leaves no chance to clean up

  auto removed = NetnsCluster::remove_stale();
  REQUIRE(removed.ok());
  CHECK(*removed >= static_cast<int>(left.size()));
  CHECK(namespaces_of(holder).empty());
}

TEST_CASE("SIGINT or SIGTERM to a process holding a cluster removes its namespaces before it dies", "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  for (int sig : {SIGINT, SIGTERM}) {
    const pid_t holder = fork_cluster_holder("signal");
    REQUIRE(holder > 0);
    CHECK(namespaces_of(holder).size() == 4);
    ::kill(holder, sig);
    int status = 0;
    REQUIRE(::waitpid(holder, &status, 0) == holder);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == sig);  // the signal still ends the process
    CHECK(namespaces_of(holder).empty());
  }
}

// Run only when named (hidden tag): the process the next test interrupts, with Catch2's own
// signal handlers in place as in any test.
TEST_CASE("holder: builds a cluster, says ready, waits for a signal", "[.holder]") {
  auto cluster = make_cluster("held");
  std::printf("ready %d\n", static_cast<int>(::getpid()));
  std::fflush(stdout);
  for (int i = 0; i < 300; ++i) std::this_thread::sleep_for(100ms);  // bounded: 30 s
  FAIL("no signal came");
}

TEST_CASE("SIGINT to a test binary holding a cluster removes it, through Catch2's handler, and ends it",
          "[cluster]") {
  REQUIRE_NETNS_OR_SKIP();
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execl("/proc/self/exe", "test_netns_cluster", "[.holder]", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string said;
  pollfd pfd{out[0], POLLIN, 0};
  auto said_ready = [&] { return said.find("ready ") != std::string::npos && said.back() == '\n'; };
  while (!said_ready() && ::poll(&pfd, 1, 15000) == 1) {  // Catch2 prints its filters first
    char buf[256];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    said.append(buf, static_cast<size_t>(n));
  }
  INFO("the holder said: " << said);
  const bool ready = said_ready();
  if (ready) CHECK(namespaces_of(child).size() == 4);
  ::kill(child, ready ? SIGINT : SIGKILL);
  int status = 0;
  pid_t waited = 0;
  for (int i = 0; i < 1000 && waited == 0; ++i) {  // bounded: 10 s
    waited = ::waitpid(child, &status, WNOHANG);
    if (waited == 0) std::this_thread::sleep_for(10ms);
  }
  if (waited == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    FAIL("the holder did not end within 10 s of SIGINT (a handler loop?)");
  }
  ::close(out[0]);
  REQUIRE(ready);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
  CHECK(namespaces_of(child).empty());
}
