// A RemoteServer named node2 on 127.0.0.1 (any free port) with a temporary cluster key, and
// raw loopback client sockets for the tests that misbehave on purpose.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

#include "remote/remote_client.hpp"
#include "remote/remote_server.hpp"

namespace haven::test {

inline ClusterKey key_of(std::uint8_t fill) {
  ClusterKey k;
  k.bytes.fill(fill);
  return k;
}

struct ServedNode {
  std::filesystem::path dir;
  RemoteServer server{std::make_shared<spdlog::logger>("remote-test", std::make_shared<spdlog::sinks::null_sink_mt>())};
  std::vector<std::string> seen;  // "sender command module"

  explicit ServedNode(std::optional<ClusterKey> key, std::string name = "node2") {
    dir = std::filesystem::temp_directory_path() / ("haven-remote-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir);
    if (key) REQUIRE(save_cluster_key(dir / "cluster.key", *key).ok());
    auto st = server.start({name, {"127.0.0.1"}, 0, dir / "cluster.key"},
                           [this, name](const ControlRequest& r, const std::string& sender) {
                             seen.push_back(sender + " " + r.command + " " + r.module);
                             return ControlResponse::success("done on " + name, {{"module", r.module}});
                           });
    REQUIRE(st.ok());
  }
  ~ServedNode() {
    server.stop();
    std::filesystem::remove_all(dir);
  }
  RemoteNode target() const { return {"node2", {"127.0.0.1"}, server.bound_port()}; }
};

/// A blocking TCP connection to 127.0.0.1:`port` from `source` (a loopback address), or -1.
inline int connect_from(const std::string& source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Closes `fd` with a reset (SO_LINGER 0) instead of an orderly FIN.
inline void reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  ::close(fd);
}

}  // namespace haven::test
