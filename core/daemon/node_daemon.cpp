#include "daemon/node_daemon.hpp"

#include <set>

#include "common/log_text.hpp"
#include "control/command_registry.hpp"
#include "daemon/boot_command.hpp"
#include "daemon/run_intent.hpp"
#include "control/control_client.hpp"
#include "module_store/module_store.hpp"
#include "state/module_status.hpp"
#include "state/node_knowledge_store.hpp"

namespace haven {
namespace {

// havend starts the module's agent for these (control/command_registry.hpp).
bool starts_agent(const std::string& command) {
  const auto* spec = find_command(command);
  return spec != nullptr && spec->starts_agent;
}

bool stops_module(const std::string& command) {
  const auto* spec = find_command(command);
  return spec != nullptr && spec->stops;
}
// A start may wait for the peer's first heartbeat (up to the heartbeat timeout) before it is
// answered; other answers are immediate.
constexpr auto kAgentTimeout = std::chrono::seconds(180);

}  // namespace

NodeDaemon::NodeDaemon(HavenPaths paths, std::string node, std::shared_ptr<spdlog::logger> log)
    : paths_(paths), node_(node), log_(log), agents_(paths, node, log), remote_(log), boot_(paths, log) {}

NodeDaemon::~NodeDaemon() { stop_reloader(); }

void NodeDaemon::stop_reloader() {
  {
    std::lock_guard lock(reload_mutex_);
    reload_quit_ = true;
  }
  reload_wake_.notify_all();
  if (reloader_.joinable()) reloader_.join();
}

Status NodeDaemon::start() {
  agents_.adopt_running_agents();
  auto st = server_.start(paths_.daemon_socket(), [this](const ControlRequest& r, const ControlPeer& p) {
    return handle(r, p);
  });
  if (st.ok()) start_remote();
  if (st.ok()) reloader_ = std::thread([this] { run_remote_reloader(); });
  if (st.ok()) boot_.begin(agents_.running(), [this](const ControlRequest& r) { return dispatch(r); });
  return st;
}

void NodeDaemon::stop(bool stop_modules) {
  boot_.stop();
  stop_reloader();
  remote_.stop();
  if (stop_modules) {
    for (const auto& agent : agents_.running()) {
      log_->info("stopping module {} before havend exits", agent.module);
      ControlRequest req;
      req.command = "stop";
      req.module = agent.module;
      auto r = send_control_request(paths_.agent_socket(agent.module), req, kAgentTimeout);
      if (!r.ok()) log_->warn("cannot stop module {}: {}", agent.module, r.error().message);
    }
    for (const auto& agent : agents_.running()) {
      if (!agents_.wait_exit(agent.module, std::chrono::minutes(11)))
        log_->error("module {} did not stop in time; its agent (pid {}) is left running", agent.module, agent.pid);
    }
  }
  server_.stop();
  agents_.shutdown();
}

ControlResponse NodeDaemon::handle(const ControlRequest& request, const ControlPeer& peer) {
  if (request.command == "relay") return relay(request);
  if (request.command != "state")
    log_->info("command \"{}\"{} from uid {} pid {}", log_text(request.command, 64),
               request.module.empty() ? "" : " -m " + log_text(request.module, 64), peer.uid, peer.pid);
  return dispatch(request);
}

ControlResponse NodeDaemon::dispatch(const ControlRequest& request) {
  if (request.command == "state") return state(request);
  if (request.command == "agents") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& a : agents_.running()) list.push_back({{"module", a.module}, {"pid", a.pid}});
    return ControlResponse::success("", list);
  }
  if (request.command == "node") return ControlResponse::success(node_, {{"node", node_}, {"root", paths_.root().string()}});
  if (request.command == "boot") return boot_command(paths_, node_, request, *log_);
  if (request.command == "cluster-info") return cluster_info();
  if (request.command == "cluster-push") return cluster_push(request);
  if (request.command == "cluster-reload") return cluster_reload();
  if (request.command.starts_with("module-")) return module_request(request);
  // Every other command with a module goes to its agent, which alone knows which exist.
  if (!request.module.empty()) {
    auto answer = module_command(request);
    record_run_intent(paths_, request, answer, *log_);  // for <service boot="auto">
    return answer;
  }
  return ControlResponse::failure(fail(Errc::unsupported, "havend does not know the command \"" + request.command +
                                                              "\" (module commands need -m MODULE)"));
}

ControlResponse NodeDaemon::module_command(const ControlRequest& request) {
  if (request.module.empty())
    return ControlResponse::failure(fail(Errc::invalid_argument, "\"" + request.command + "\" needs a module: -m NAME"));
  ModuleStore store(paths_);
  auto entry = store.find(request.module);
  if (!entry.ok()) return ControlResponse::failure(entry.error());

  if (!agents_.find(request.module)) {
    if (!starts_agent(request.command)) {
      if (stops_module(request.command))
        return ControlResponse::success("module " + request.module + " is already stopped");
      return ControlResponse::failure(fail(Errc::refused, "module " + request.module + " is stopped on node " + node_ +
                                                              ": \"" + request.command + "\" needs it running (haven start -m " +
                                                              request.module + ")"));
    }
    auto agent = agents_.ensure_running(request.module);
    if (!agent.ok()) {
      log_->error("{}", agent.error().message);
      return ControlResponse::failure(agent.error());
    }
  }
  auto r = send_control_request(paths_.agent_socket(request.module), request, kAgentTimeout);
  // A start that reaches an agent which has just stopped its module and is exiting: the start
  // is for the next agent, once this one is gone (a stop, then a start, typed back to back).
  const bool agent_exiting = r.ok() && !r->ok && r->message.find("is exiting") != std::string::npos;
  // Its socket already closed: the agent is in its last moments (or died; the supervisor knows).
  const bool agent_gone = !r.ok() && starts_agent(request.command) &&
                          agents_.wait_exit(request.module, std::chrono::seconds(5));
  if ((agent_exiting || agent_gone) && starts_agent(request.command)) {
    log_->info("module {}: {} arrived while its agent exits; carried out by the next agent", request.module, request.command);
    if (agent_exiting && !agents_.wait_exit(request.module, std::chrono::seconds(60)))
      return ControlResponse::failure(fail(Errc::timeout, "module " + request.module + " on node " + node_ +
                                                              ": its agent is still exiting after 60 s; \"" + request.command +
                                                              "\" was not carried out (haven log -m " + request.module + ")"));
    auto agent = agents_.ensure_running(request.module);
    if (!agent.ok()) return ControlResponse::failure(agent.error());
    r = send_control_request(paths_.agent_socket(request.module), request, kAgentTimeout);
  }
  if (!r.ok()) return ControlResponse::failure(r.error());
  return *r;
}

nlohmann::json NodeDaemon::module_state(const std::string& module, int id) {
  if (agents_.find(module)) {
    ControlRequest req;
    req.command = "state";
    req.module = module;
    auto r = send_control_request(paths_.agent_socket(module), req, std::chrono::seconds(5));
    if (r.ok() && r->ok && r->data.is_object()) {
      auto data = r->data;
      data["id"] = id;
      return data;
    }
  }
  // No agent answers: what this node knows of the module's data, or why it cannot tell.
  ModuleStatus stopped;
  stopped.module = module;
  stopped.id = id;
  stopped.node = node_;
  stopped.state = ModuleState::stop;
  stopped.substate = SubState::not_ready;
  stopped.reason = "stopped";
  auto known = load_knowledge(paths_.knowledge_file(module));
  if (known.ok()) {
    stopped.uptodate = known->data_uptodate;
    stopped.role = known->last_role;
    stopped.generation = known->generation;
  } else {
    stopped.error = known.error().message;
  }
  return to_json(stopped);
}

ControlResponse NodeDaemon::state(const ControlRequest& request) {
  ModuleStore store(paths_);
  nlohmann::json list = nlohmann::json::array();
  if (!request.module.empty()) {
    auto entry = store.find(request.module);
    if (!entry.ok()) return ControlResponse::failure(entry.error());
    list.push_back(module_state(entry->name, entry->id));
    return ControlResponse::success("", list);
  }
  auto all = store.list();
  if (!all.ok()) return ControlResponse::failure(all.error());
  for (const auto& e : *all) list.push_back(module_state(e.name, e.id));
  return ControlResponse::success("", list);
}

}  // namespace haven
