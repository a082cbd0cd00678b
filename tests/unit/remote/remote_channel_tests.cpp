// The channel end to end on loopback: a RemoteServer and send_remote_request.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "remote/remote_client.hpp"
#include "remote/remote_server.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

ClusterKey key_of(std::uint8_t fill) {
  ClusterKey k;
  k.bytes.fill(fill);
  return k;
}

struct ServedNode {
  std::filesystem::path dir;
  RemoteServer server{std::make_shared<spdlog::logger>("remote-test", std::make_shared<spdlog::sinks::null_sink_mt>())};
  std::vector<std::string> seen;  // "sender command module"

  explicit ServedNode(std::optional<ClusterKey> key) {
    dir = std::filesystem::temp_directory_path() / ("haven-remote-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir);
    if (key) REQUIRE(save_cluster_key(dir / "cluster.key", *key).ok());
    auto st = server.start({"node2", {"127.0.0.1"}, 0, dir / "cluster.key"},
                           [this](const ControlRequest& r, const std::string& sender) {
                             seen.push_back(sender + " " + r.command + " " + r.module);
                             return ControlResponse::success("done on node2", {{"module", r.module}});
                           });
    REQUIRE(st.ok());
  }
  ~ServedNode() {
    server.stop();
    std::filesystem::remove_all(dir);
  }
  RemoteNode target() const { return {"node2", {"127.0.0.1"}, server.bound_port()}; }
};

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
