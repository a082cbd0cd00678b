#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "icmp_echo.hpp"
#include "ping_checker.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"

using namespace haven;
using namespace haven::checker_ping;

namespace {

ConfigNode ping_element(std::vector<std::string> addresses) {
  ConfigNode node;
  node.name = "ping";
  node.file = "/m/conf/userconfig.xml";
  node.line = 40;
  node.path = "safe/service/check/ping";
  for (auto& a : addresses) {
    ConfigNode to;
    to.name = "to";
    to.attributes = {{"addr", a}};
    to.file = node.file;
    to.line = 41;
    to.path = node.path + "/to";
    node.children.push_back(to);
  }
  return node;
}

}  // namespace

TEST_CASE("targets are read from every <to addr/>, numeric only, at least one") {
  auto targets = parse_ping_targets(ping_element({"127.0.0.1", "::1"}));
  REQUIRE(targets);
  CHECK(*targets == std::vector<std::string>{"127.0.0.1", "::1"});
  auto none = parse_ping_targets(ping_element({}));
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "haven.checker.ping: /m/conf/userconfig.xml:40 <safe/service/check/ping> has no "
                                "<to addr=\"...\"/>, expected at least one");
  auto name = parse_ping_targets(ping_element({"gateway.example"}));
  REQUIRE_FALSE(name);
  CHECK(name.error().message.find("addr=\"gateway.example\", expected a numeric IPv4 or IPv6 address") !=
        std::string::npos);
}

TEST_CASE("loopback answers an echo over IPv4 and IPv6") {
  auto v4 = echo_once("127.0.0.1", std::chrono::milliseconds(2000));
  INFO(v4.detail);
  CHECK(v4.answered);
  auto v6 = echo_once("::1", std::chrono::milliseconds(2000));
  INFO(v6.detail);
  CHECK(v6.answered);
}

TEST_CASE("the built plugin is up for loopback, down naming a silent target in a private namespace") {
  PluginHost host;
  REQUIRE(host.load_file(HAVEN_PING_PLUGIN_FILE));
  auto context = std::make_shared<BasicHostContext>();
  context->with_config(ping_element({"127.0.0.1"}));
  auto checker = host.make_checker("haven.checker.ping", context);
  REQUIRE(checker);
  auto r = checker.value()->probe(std::chrono::milliseconds(2000));
  REQUIRE(r);
  CHECK(r->up);

  if (::geteuid() != 0) {
    WARN("not root: the silent-target half needs a private network namespace; skipped");
    return;
  }
  // A silent target must be one nobody answers for: a peer address on a veth whose other end
  // holds nothing, inside a namespace of this test's own, so no packet leaves it.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(10);
    if (std::system("ip link set lo up && ip link add hv-a type veth peer name hv-b && "
                    "ip addr add 198.51.100.1/24 dev hv-a && ip link set hv-a up && ip link set hv-b up") != 0)
      ::_exit(11);
    PingChecker silent({"198.51.100.2"});
    auto down = silent.probe(std::chrono::milliseconds(300));
    if (down) std::fprintf(stderr, "silent probe: %s\n", down->reason.c_str());
    if (!down || down->up || down->reason != "no reply from 198.51.100.2 within 300 ms") ::_exit(12);
    if (std::system("ip addr add 198.51.100.2/24 dev hv-b") != 0) ::_exit(13);
    auto up = silent.probe(std::chrono::milliseconds(2000));
    if (!up || !up->up) ::_exit(14);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  INFO("child exit code: 10 unshare, 11 ip setup, 12 silent verdict, 13 address, 14 answered verdict");
  CHECK(WEXITSTATUS(status) == 0);
}

namespace {

sockaddr_storage ipv4(const char* text) {
  sockaddr_storage address{};
  address.ss_family = AF_INET;
  ::inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&address)->sin_addr);
  return address;
}

// The ICMP echo reply a witness would send back for `probe`.
std::vector<unsigned char> reply_for(const haven::checker_ping::EchoProbe& probe) {
  std::vector<unsigned char> icmp(64, 0);
  icmp[0] = ICMP_ECHOREPLY;
  icmp[4] = static_cast<unsigned char>(probe.identifier >> 8);
  icmp[5] = static_cast<unsigned char>(probe.identifier & 0xff);
  icmp[6] = static_cast<unsigned char>(probe.sequence >> 8);
  icmp[7] = static_cast<unsigned char>(probe.sequence & 0xff);
  std::copy(probe.cookie.begin(), probe.cookie.end(), icmp.begin() + 8);
  return icmp;
}

}  // namespace

TEST_CASE("finding 11: an echo reply counts only from the witness itself and with the request's random cookie",
          "[ping]") {
  using haven::checker_ping::is_reply_to;
  const auto probe = haven::checker_ping::make_echo_probe();
  const auto witness = ipv4("198.51.100.102");
  auto icmp = reply_for(probe);
  CHECK(is_reply_to(icmp.data(), icmp.size(), false, probe, true, witness, witness));
  // The right numbers from any other host: a spoofed answer.
  CHECK_FALSE(is_reply_to(icmp.data(), icmp.size(), false, probe, true, ipv4("198.51.100.66"), witness));
  // The right sequence and identifier, but not the cookie: guessed, not echoed.
  auto guessed = icmp;
  guessed[8] ^= 0xff;
  CHECK_FALSE(is_reply_to(guessed.data(), guessed.size(), false, probe, true, witness, witness));
  // A reply too short to hold the cookie.
  CHECK_FALSE(is_reply_to(icmp.data(), 12, false, probe, true, witness, witness));
  // Another probe's reply.
  CHECK_FALSE(is_reply_to(icmp.data(), icmp.size(), false, haven::checker_ping::make_echo_probe(), true, witness, witness));
}

TEST_CASE("finding 11: echo probes are random: identifier, sequence and cookie differ from one probe to the next",
          "[ping]") {
  const auto a = haven::checker_ping::make_echo_probe();
  const auto b = haven::checker_ping::make_echo_probe();
  CHECK(a.cookie != b.cookie);
}
