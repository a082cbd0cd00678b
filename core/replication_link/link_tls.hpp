// TLS 1.3 for the replication link with an external pre-shared key derived from the cluster
// key: both ends prove they hold the key during the handshake, and everything after it is
// encrypted and authenticated. No certificates: a peer without the key cannot finish the
// handshake (its PSK binder does not verify).
#pragma once

#include <array>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "haven/result.hpp"
#include "heartbeat/cluster_key.hpp"

namespace haven::replication {

/// The key of one module's link: HKDF-SHA256(cluster key, info "haven replication <module>"),
/// and the PSK identity "haven replication <module>" (a link of another module is refused).
struct LinkPsk {
  std::array<std::uint8_t, 32> key{};
  std::string identity;
};

[[nodiscard]] Result<LinkPsk> derive_link_psk(const ClusterKey& cluster_key, const std::string& module);

/// A TLS 1.3-only, PSK-only context for one side (no session tickets, no certificates).
/// `psk` is borrowed: it must outlive the context and every stream made from it.
[[nodiscard]] Result<std::unique_ptr<boost::asio::ssl::context>> make_link_context(const LinkPsk& psk, bool server);

}  // namespace haven::replication
