// The channel end to end on loopback: a RemoteServer and send_remote_request.
#include "served_node.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

using test::key_of;
using test::ServedNode;

ControlRequest start_web() {
  ControlRequest r;
  r.command = "start";
  r.module = "web";
  return r;
}

}  // namespace

TEST_CASE("an authenticated request is handled by the peer, which names the sender, and its answer comes back",
          "[remote][channel]") {
  ServedNode node(key_of(7));
  auto r = send_remote_request(node.target(), start_web(), "node1", key_of(7), 5s);
  INFO((r.ok() ? "" : r.error().message));
  REQUIRE(r.ok());
  CHECK(r->ok);
  CHECK(r->message == "done on node2");
  CHECK(r->data["module"] == "web");
  CHECK(node.seen == std::vector<std::string>{"node1 start web"});
}

TEST_CASE("a node holding another cluster key refuses, and the sender is told to copy the key", "[remote][channel]") {
  ServedNode node(key_of(8));
  auto r = send_remote_request(node.target(), start_web(), "node1", key_of(7), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::refused);
  CHECK_THAT(r.error().message, Catch::Contains("node2") && Catch::Contains("cluster key") && Catch::Contains("other_cluster"));
  CHECK(node.seen.empty());
  CHECK(node.server.refused(RejectReason::other_cluster) == 1);
}

TEST_CASE("a node without a cluster key refuses everything", "[remote][channel]") {
  ServedNode node(std::nullopt);
  auto r = send_remote_request(node.target(), start_web(), "node1", key_of(7), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("no cluster key"));
  CHECK(node.seen.empty());
}

TEST_CASE("an unreachable node is reported with every address tried", "[remote][channel]") {
  int port = 0;
  {
    ServedNode gone(key_of(7));
    port = gone.server.bound_port();
  }
  auto r = send_remote_request({"node3", {"127.0.0.1", "127.0.0.1"}, port}, start_web(), "node1", key_of(7), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::io_error);
  CHECK_THAT(r.error().message, Catch::Contains("node3 is unreachable") && Catch::Contains("127.0.0.1:" + std::to_string(port)));
}

TEST_CASE("finding 5: a request for node2 that reaches another node is refused there, and the sender is told why",
          "[remote][channel]") {
  ServedNode node3(key_of(7), "node3");
  RemoteNode node2_at_wrong_address{"node2", {"127.0.0.1"}, node3.server.bound_port()};
  auto r = send_remote_request(node2_at_wrong_address, start_web(), "node1", key_of(7), 5s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::refused);
  CHECK_THAT(r.error().message, Catch::Contains("wrong_recipient") && Catch::Contains("node2"));
  CHECK(node3.seen.empty());
  CHECK(node3.server.refused(RejectReason::wrong_recipient) == 1);
}
