#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"
#include "tcp_checker.hpp"

namespace {

using haven::checker_tcp::TcpChecker;

// A loopback TCP socket on a port the kernel picks; listening or merely bound.
class LoopbackPort {
 public:
  explicit LoopbackPort(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    socklen_t len = sizeof(a);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    if (listening) REQUIRE(::listen(fd_, 4) == 0);
  }
  ~LoopbackPort() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

haven::ConfigNode tcp_element(std::vector<std::pair<std::string, std::string>> to_attributes) {
  haven::ConfigNode to;
  to.name = "to";
  to.attributes = std::move(to_attributes);
  to.file = "/m/conf/userconfig.xml";
  to.line = 12;
  to.path = "safe/service/check/tcp/to";
  haven::ConfigNode tcp;
  tcp.name = "tcp";
  tcp.attributes = {{"ident", "web"}};
  tcp.file = "/m/conf/userconfig.xml";
  tcp.line = 11;
  tcp.path = "safe/service/check/tcp";
  tcp.children.push_back(std::move(to));
  return tcp;
}

std::shared_ptr<haven::BasicHostContext> context_for(haven::ConfigNode element) {
  auto context = std::make_shared<haven::BasicHostContext>();
  context->with_config(std::move(element));
  return context;
}

}  // namespace

TEST_CASE("a listening loopback port is up", "[checker-tcp]") {
  LoopbackPort server(true);
  auto context = context_for(tcp_element({{"addr", "127.0.0.1"}, {"port", server.port()}}));
  auto checker = TcpChecker::from_host(*context);
  REQUIRE(checker.ok());
  auto result = checker.value()->probe(std::chrono::milliseconds(2000));
  REQUIRE(result.ok());
  CHECK(result->up);
  CHECK_THAT(result->reason, Catch::StartsWith("connected to 127.0.0.1:" + server.port() + " in "));
}

TEST_CASE("a closed loopback port is down with the refusal as reason", "[checker-tcp]") {
  LoopbackPort closed(false);
  const std::string port = closed.port();
  closed.close();
  auto context = context_for(tcp_element({{"addr", "127.0.0.1"}, {"port", port}}));
  auto checker = TcpChecker::from_host(*context);
  REQUIRE(checker.ok());
  auto result = checker.value()->probe(std::chrono::milliseconds(2000));
  REQUIRE(result.ok());
  CHECK_FALSE(result->up);
  CHECK(result->reason == "cannot connect to 127.0.0.1:" + port + ": Connection refused");
}

TEST_CASE("an IPv6 loopback address is written in brackets in the reason", "[checker-tcp]") {
  LoopbackPort closed(false);
  const std::string port = closed.port();
  closed.close();
  auto context = context_for(tcp_element({{"addr", "::1"}, {"port", port}}));
  auto checker = TcpChecker::from_host(*context);
  REQUIRE(checker.ok());
  auto result = checker.value()->probe(std::chrono::milliseconds(2000));
  REQUIRE(result.ok());
  CHECK_FALSE(result->up);
  CHECK_THAT(result->reason, Catch::StartsWith("cannot connect to [::1]:" + port + ": "));
}

TEST_CASE("tcp checker configuration errors name the place and what is expected", "[checker-tcp]") {
  SECTION("no <to> child") {
    haven::ConfigNode tcp = tcp_element({});
    tcp.children.clear();
    auto r = haven::checker_tcp::parse_tcp_target(tcp);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          "haven.checker.tcp: /m/conf/userconfig.xml:11 <safe/service/check/tcp> has no <to addr=\"...\" "
          "port=\"...\"/> child: add one saying where to connect");
  }
  SECTION("no addr") {
    auto r = haven::checker_tcp::parse_tcp_target(tcp_element({{"port", "80"}}));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("/m/conf/userconfig.xml:12 <safe/service/check/tcp/to>") &&
                                      Catch::Contains("no addr attribute"));
  }
  for (const char* bad : {"", "0", "65536", "http", "80x", "-1"}) {
    DYNAMIC_SECTION("port '" << bad << "'") {
      auto r = haven::checker_tcp::parse_tcp_target(tcp_element({{"addr", "127.0.0.1"}, {"port", bad}}));
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == haven::Errc::invalid_argument);
      CHECK(r.error().message == std::string("haven.checker.tcp: /m/conf/userconfig.xml:12 "
                                             "<safe/service/check/tcp/to> has port=\"") +
                                     bad + "\", expected a TCP port number from 1 to 65535");
    }
  }
  SECTION("no configuration at all") {
    haven::BasicHostContext context;
    auto r = TcpChecker::from_host(context);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("haven.checker.tcp"));
  }
}

TEST_CASE("the built tcp plugin loads through the host and probes", "[checker-tcp]") {
  haven::PluginHost host;
  auto info = host.load_file(HAVEN_TCP_PLUGIN_FILE);
  REQUIRE(info.ok());
  CHECK(info->name == "haven.checker.tcp");
  CHECK(info->kind == "checker");

  LoopbackPort server(true);
  auto checker = host.make_checker("haven.checker.tcp",
                                   context_for(tcp_element({{"addr", "127.0.0.1"}, {"port", server.port()}})));
  REQUIRE(checker.ok());
  auto result = checker.value()->probe(std::chrono::milliseconds(2000));
  REQUIRE(result.ok());
  CHECK(result->up);

  auto refused = host.make_checker("haven.checker.tcp", context_for(tcp_element({{"addr", "127.0.0.1"}})));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("port=\"\""));
}
