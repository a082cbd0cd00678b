// havend's answers about the cluster configuration: `cluster-info` (what `haven cluster state`
// compares across nodes) and `cluster-push` (another node giving this one its cluster.xml, over
// the channel authenticated with the cluster key: `haven -H NODES -G`). The key itself never
// travels: it is copied by the administrator (docs/operations.md).
#include <filesystem>

#include "common/atomic_file.hpp"
#include "config/cluster_config_file.hpp"
#include "daemon/node_daemon.hpp"
#include "heartbeat/cluster_key.hpp"

namespace haven {

ControlResponse NodeDaemon::cluster_info() {
  nlohmann::json info{{"node", node_}};
  std::error_code ec;
  if (auto key = load_cluster_key(paths_.cluster_key()); key.ok())
    info["key_fingerprint"] = fingerprint_hex(*key);
  else
    info["key_error"] = key.error().message;
  if (auto text = read_file(paths_.cluster_config()); text.ok()) {
    info["signature"] = config::cluster_config_signature(*text);
    if (auto cluster = config::check_cluster_config_for(*text, paths_.cluster_config().string(), ""); cluster.ok())
      info["nodes"] = cluster->node_names();
  } else {
    info["config_error"] = text.error().message;
  }
  return ControlResponse::success("", info);
}

ControlResponse NodeDaemon::cluster_push(const ControlRequest& request) {
  if (!request.args.contains("xml") || !request.args["xml"].is_string())
    return ControlResponse::failure(fail(Errc::invalid_argument, "cluster-push needs args {\"xml\": TEXT}"));
  const auto text = request.args["xml"].get<std::string>();
  const std::string label = "the pushed cluster.xml";
  auto checked = config::check_cluster_config_for(text, label, node_);
  if (!checked.ok()) return ControlResponse::failure(checked.error());
  if (auto st = config::install_cluster_config(paths_, text); !st.ok()) return ControlResponse::failure(st.error());
  const auto signature = config::cluster_config_signature(text);
  log_->info("cluster.xml replaced (signature {}); listening again for other nodes with it", signature);
  restart_remote_soon();
  return ControlResponse::success("node " + node_ + ": cluster.xml installed (signature " + signature +
                                      "); running modules use it from their next start",
                                  {{"node", node_}, {"signature", signature}});
}

ControlResponse NodeDaemon::cluster_reload() {
  restart_remote_soon();
  return ControlResponse::success("node " + node_ + ": havend reads cluster.xml again", {{"node", node_}});
}

void NodeDaemon::restart_remote_soon() {
  {
    std::lock_guard lock(reload_mutex_);
    reload_wanted_ = true;
  }
  reload_wake_.notify_all();
}

// Its own thread: the request that asks for it is served by the remote server, whose stop
// waits for that very request to end.
void NodeDaemon::run_remote_reloader() {
  std::unique_lock lock(reload_mutex_);
  for (;;) {
    reload_wake_.wait(lock, [this] { return reload_wanted_ || reload_quit_; });
    if (reload_quit_) return;
    reload_wanted_ = false;
    lock.unlock();
    remote_.stop();
    start_remote();
    lock.lock();
  }
}

}  // namespace haven
