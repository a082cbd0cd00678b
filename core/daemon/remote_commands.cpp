// havend and the other nodes: serving their authenticated requests, and relaying the local
// CLI's requests to them (`haven -H`). The cluster key never leaves havend.
#include <algorithm>

#include "common/log_text.hpp"
#include "common/process_environment.hpp"
#include "config/cluster_config.hpp"
#include "daemon/node_daemon.hpp"
#include "remote/remote_client.hpp"
#include "remote/remote_targets.hpp"

namespace haven {
namespace {

// Margin over the inner command's own time, for connecting and signing.
constexpr int kDefaultRelayTimeoutS = 30;
constexpr int kMaxRelayTimeoutS = 3600;

// Escaped: command and module names come from clients and other nodes, and reach the log.
std::string describe(const ControlRequest& r) {
  return "\"" + log_text(r.command, 64) + "\"" + (r.module.empty() ? "" : " -m " + log_text(r.module, 64));
}

}  // namespace

void NodeDaemon::start_remote() {
  auto cluster = config::read_cluster_config(paths_.cluster_config(), process_environment());
  if (!cluster.ok()) {
    log_->info("remote commands: off, this node accepts no command from other nodes: {}", cluster.error().message);
    return;
  }
  auto addresses = listen_addresses(*cluster, node_);
  if (addresses.empty()) {
    log_->warn("remote commands: off: node {} is not in {}", node_, paths_.cluster_config().string());
    return;
  }
  RemoteServer::Settings settings{node_, addresses, cluster->port, paths_.cluster_key()};
  auto st = remote_.start(settings, [this](const ControlRequest& r, const std::string& sender) {
    return handle_remote(r, sender);
  });
  if (!st.ok()) {
    log_->error("{}; commands from other nodes (haven -H) will not reach this node", st.error().message);
    return;
  }
  std::string where;
  for (const auto& a : addresses) where += (where.empty() ? "" : ", ") + a + ":" + std::to_string(remote_.bound_port());
  std::error_code ec;
  if (std::filesystem::exists(paths_.cluster_key(), ec))
    log_->info("remote commands: listening on TCP {}, authenticated with the cluster key {}", where,
               paths_.cluster_key().string());
  else
    log_->warn("remote commands: listening on TCP {}, but there is no cluster key {} yet: every request is refused "
               "until it exists (haven cluster genkey on one node, then copy the file to the others)",
               where, paths_.cluster_key().string());
}

ControlResponse NodeDaemon::handle_remote(const ControlRequest& request, const std::string& sender) {
  if (request.command != "state")
    log_->info("command {} from node {} (remote)", describe(request), log_text(sender));
  // One hop only: a node never relays on behalf of another.
  if (request.command == "relay")
    return ControlResponse::failure(fail(Errc::refused, "node " + node_ + " does not relay commands sent by other nodes"));
  return dispatch(request);
}

ControlResponse NodeDaemon::relay(const ControlRequest& request) {
  const auto& args = request.args;
  if (!args.is_object() || !args.contains("node") || !args["node"].is_string() || !args.contains("request") ||
      !args["request"].is_object())
    return ControlResponse::failure(fail(Errc::invalid_argument, "relay needs args {\"node\": NAME, \"request\": {...}}"));
  const std::string target = args["node"].get<std::string>();
  auto inner = ControlRequest::parse(args["request"].dump());
  if (!inner.ok()) return ControlResponse::failure(inner.error());
  if (inner->command == "relay")
    return ControlResponse::failure(fail(Errc::invalid_argument, "a relay cannot carry another relay"));
  int timeout_s = kDefaultRelayTimeoutS;
  if (args.contains("timeout_s") && args["timeout_s"].is_number_integer())
    timeout_s = std::clamp(args["timeout_s"].get<int>(), 1, kMaxRelayTimeoutS);

  if (target == node_) {
    if (inner->command != "state") log_->info("command {} (relayed to this node)", describe(*inner));
    return dispatch(*inner);
  }
  auto cluster = config::read_cluster_config(paths_.cluster_config(), process_environment());
  if (!cluster.ok()) return ControlResponse::failure(cluster.error());
  RemoteNode remote{target, node_addresses(*cluster, target), cluster->port};
  if (remote.addresses.empty())
    return ControlResponse::failure(fail(Errc::not_found, "node " + target + " is not in " + paths_.cluster_config().string()));
  auto key = load_cluster_key(paths_.cluster_key());
  if (!key.ok()) return ControlResponse::failure(key.error());
  if (inner->command != "state") log_->info("relaying command {} to node {}", describe(*inner), log_text(target, 64));
  auto answer = send_remote_request(remote, *inner, node_, *key, std::chrono::seconds(timeout_s));
  if (!answer.ok()) {
    log_->warn("relaying command {} to node {}: {}", describe(*inner), log_text(target, 64), answer.error().message);
    return ControlResponse::failure(answer.error());
  }
  return *answer;
}

}  // namespace haven
