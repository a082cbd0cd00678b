#include "remote/remote_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <exception>

#include "remote/frame_io.hpp"
#include "remote/remote_envelope.hpp"

namespace haven {
namespace {
constexpr auto kConnectTimeout = std::chrono::seconds(3);
constexpr auto kWriteTimeout = std::chrono::seconds(10);
}  // namespace

std::string explain_peer_refusal(const std::string& reason, const std::string& node) {
  if (reason == "other_cluster" || reason == "bad_mac")
    return "node " + node + " does not hold this node's cluster key (" + reason +
           "): copy the cluster.key file of one node to every node (haven cluster confinfo shows its fingerprint)";
  if (reason == "no_key")
    return "node " + node + " has no cluster key: copy this node's cluster.key file there (mode 0600)";
  if (reason == "clock_skew")
    return "node " + node + " says our clocks differ by more than 60 s: synchronise them (NTP)";
  if (reason == "replayed" || reason == "replay_cache_full")
    return "node " + node + " refused the request as a replay (" + reason + "): retry; if it persists, see its havend log";
  if (reason == "wrong_recipient")
    return "the havend that answered at node " + node + "'s address is not node " + node +
           " (wrong_recipient): check that node's addresses in cluster.xml and its --node name";
  if (reason == "unknown_version")
    return "node " + node + " runs a haven whose node-to-node protocol differs from this node's (unknown_version): "
           "install the same version of haven on every node";
  return "node " + node + " refused the request (" + reason + "); see its havend log";
}

Result<ControlResponse> send_remote_request(const RemoteNode& target, const ControlRequest& request,
                                            const std::string& sender, const ClusterKey& key,
                                            std::chrono::milliseconds timeout) {
  if (target.addresses.empty())
    return fail(Errc::not_found, "node " + target.name + " has no address in cluster.xml");
  try {
    const Nonce nonce = remote_io::random_nonce();
    auto frame = seal_request(request.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), sender,
                              target.name, key, remote_io::unix_now_ms(), nonce);
    if (!frame.ok()) return std::move(frame).error();
    std::string tried;
    for (const auto& address : target.addresses) {
      const std::string where = address + ":" + std::to_string(target.port);
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket socket(io);
      if (auto st = remote_io::connect(socket, io, address, target.port, kConnectTimeout); !st.ok()) {
        tried += (tried.empty() ? "" : ", ") + where + " (" + st.error().message + ")";
        continue;
      }
      if (auto st = remote_io::write_frame(socket, io, *frame, kWriteTimeout); !st.ok())
        return fail(st.error().code, "node " + target.name + " at " + where + ": sending the request failed: " + st.error().message);
      auto answer = remote_io::read_frame(socket, io, timeout);
      if (!answer.ok())
        return fail(answer.error().code, "node " + target.name + " at " + where + " gave no answer: " + answer.error().message +
                                             " (the command may still have run there)");
      auto opened = open_response(*answer, key, sender, target.name, remote_io::unix_now_ms(), nonce);
      if (auto* why = std::get_if<EnvelopeRejection>(&opened)) {
        if (why->reason == RejectReason::refused_by_peer)
          return fail(Errc::refused, explain_peer_refusal(why->detail, target.name) + " [" + where + "]");
        return fail(Errc::refused, "the answer of node " + target.name + " at " + where + " failed authentication (" +
                                       to_string(why->reason) + ": " + why->detail + "); it is ignored");
      }
      auto response = ControlResponse::parse(std::get<OpenedEnvelope>(opened).body);
      if (!response.ok())
        return fail(Errc::parse_error, "node " + target.name + " at " + where + " answered something unreadable: " +
                                           response.error().message);
      return *response;
    }
    return fail(Errc::io_error, "node " + target.name + " is unreachable: no havend answered on " + tried +
                                    "; is havend running there, and are its addresses and <lans port> in cluster.xml right?");
  } catch (const std::exception& e) {
    return fail(Errc::internal, "sending a command to node " + target.name + ": " + e.what());
  }
}

}  // namespace haven
