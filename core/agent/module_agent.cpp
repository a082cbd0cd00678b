#include "agent/module_agent.hpp"

#include "control/command_registry.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <set>

#include "agent/run_on_loop.hpp"
#include "common/log_text.hpp"
#include "common/module_log.hpp"
#include "hooks/hook_runner.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "state/agent_state_record.hpp"
#include "state/node_knowledge_store.hpp"

namespace haven {
namespace {

// The behaviour command of a control request (control/command_registry.hpp), with "failover"
// split by its mode; nullopt for a command no behaviour receives.
std::optional<Command> behaviour_command(const ControlRequest& request) {
  if (request.command == "failover") {
    const auto mode = request.args.value("mode", std::string());
    if (mode == "on") return Command::failover_on;
    if (mode == "off") return Command::failover_off;
    return std::nullopt;
  }
  const auto* spec = find_command(request.command);
  return spec != nullptr ? spec->behaviour : std::nullopt;
}

// After these the machine needs to hear about the peer to leave WAIT.
bool waits_for_peer(Command command) {
  for (const auto& spec : command_registry())
    if (spec.behaviour == command) return spec.waits_for_peer;
  return false;
}

ControlResponse agent_gone(const std::string& module) {
  return ControlResponse::failure(fail(Errc::refused, "the agent of module " + module + " is exiting; retry in a moment"));
}

}  // namespace

ModuleAgent::ModuleAgent(AgentOptions options) : options_(std::move(options)) {}

ModuleAgent::~ModuleAgent() {
  server_.stop();
  if (job_thread_.joinable()) job_thread_.join();
  close_replication();
  // Declared before io_, so destroyed after it by default: its sockets and timers would then
  // deregister from a freed reactor (heap corruption at exit, seen by the fault campaign).
  peer_link_.reset();
  membership_.reset();
}

Status ModuleAgent::init() {
  auto log = open_module_logger(options_.paths, options_.module);
  if (!log.ok()) return std::move(log).error();
  log_ = *log;

  plugins_.scan(PluginHost::default_search_path());
  for (const auto& f : plugins_.failures()) log_->warn("plugin refused: {}", f.error.message);

  // This node's part first: the behaviour it names says whether a heartbeat peer is needed.
  auto setup = load_module_setup(options_.paths, options_.module, options_.node, plugins_);
  if (!setup.ok()) {
    log_->error("{}", setup.error().message);
    return std::move(setup).error();
  }
  setup_ = std::move(*setup);
  for (const auto& w : setup_.warnings) log_->debug("configuration: {}", w);
  set_user_log_limit(*log_, user_log_limit(setup_.user_log_size_kib));

  auto module_log = log_;
  auto context = std::make_shared<BasicHostContext>(
      [module_log](LogLevel level, std::string_view msg) { module_log->log(to_spdlog(level), "{}", msg); });
  const std::string behaviour_name = behaviour_plugin_name(setup_.settings);
  auto behaviour = options_.make_behaviour ? Result<std::shared_ptr<Behaviour>>(options_.make_behaviour(context))
                                           : plugins_.make_behaviour(behaviour_name, context);
  if (!behaviour.ok()) {
    auto e = fail(behaviour.error().code, "module " + options_.module + " (mode \"" + setup_.settings.mode +
                                              "\") needs the behaviour plugin " + behaviour_name + ": " +
                                              behaviour.error().message);
    log_->error("{}", e.message);
    return e;
  }
  behaviour_ = *behaviour;
  if (behaviour_->peer_discovery() == PeerDiscovery::heartbeat_pair)
    if (auto st = add_peer_link(options_.paths, options_.module, options_.node, setup_); !st.ok()) {
      log_->error("{}", st.error().message);
      return st;
    }
  if (behaviour_->peer_discovery() == PeerDiscovery::farm_membership)
    if (auto st = add_membership_link(options_.paths, options_.module, options_.node, setup_); !st.ok()) {
      log_->error("{}", st.error().message);
      return st;
    }

  auto known = load_knowledge(options_.paths.knowledge_file(options_.module));
  if (!known.ok()) {
    log_->error("{}", known.error().message);
    return std::move(known).error();
  }
  open_vips();
  if (auto st = open_checks(); !st.ok()) {
    log_->error("{}", st.error().message);
    return st;
  }
  if (auto st = open_replication(); !st.ok()) {
    log_->error("{}", st.error().message);
    return st;
  }
  failover_ = setup_.settings.failover;
  set_host_resource("usersetting.failover", failover_ ? "on" : "off");
  execute(behaviour_->begin(setup_.settings, *known, std::chrono::steady_clock::now()));

  if (setup_.peer_link) {
    auto link = PeerLink::open(
        io_, *setup_.peer_link,
        [this] { return local_status(); }, [this](const PeerView& update) { on_peer_update(update); },
        [this](LogLevel level, const std::string& msg) { log_->log(to_spdlog(level), "{}", msg); });
    if (!link.ok()) {
      log_->error("{}", link.error().message);
      return std::move(link).error();
    }
    peer_link_ = std::move(*link);
    for (const auto& lan : setup_.peer_link->lans) set_host_resource("heartbeat." + lan.name, "init");
    peer_link_->on_lan_change([this](const std::string& lan, bool up) {
      set_host_resource("heartbeat." + lan, up ? "up" : "down");
    });
    peer_link_->start();
    log_->info("heartbeats with {} every {} ms, peer lost after {} ms of silence", setup_.peer_link->peer_node,
               setup_.peer_link->pulse.count(), setup_.peer_link->timeout.count());
  }

  if (auto st = open_membership(); !st.ok()) {
    log_->error("{}", st.error().message);
    return st;
  }

  auto st = server_.start(options_.paths.agent_socket(options_.module),
                          [this](const ControlRequest& r, const ControlPeer&) { return handle_request(r); });
  if (!st.ok()) {
    log_->error("{}", st.error().message);
    return st;
  }
  log_->info("agent started for module {} on node {} (pid {})", options_.module, options_.node, ::getpid());
  return ok_status();
}

int ModuleAgent::run() {
  boost::asio::signal_set signals(io_, SIGTERM, SIGINT);
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log_->info("agent received signal {}: stopping module {}", sig, options_.module);
    if (!started_ || behaviour_->state() == ModuleState::stop) {
      exiting_ = true;
      io_.stop();
      return;
    }
    feed(CommandEvent{Command::stop, false, ""});
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  auto guard = boost::asio::make_work_guard(io_);
  io_.run();
  if (checkers_) checkers_->stop_all();
  server_.stop();
  if (job_thread_.joinable()) job_thread_.join();
  close_replication();
  log_->info("agent of module {} exits: module {}", options_.module, to_string(behaviour_->state()));
  return 0;
}

ControlResponse ModuleAgent::handle_request(const ControlRequest& request) {
  if (request.command == "state") {
    if (exiting_) return agent_gone(options_.module);
    auto data = run_on_loop(io_, [this] { return state_json(); });
    if (!data) return agent_gone(options_.module);
    return ControlResponse::success("", *data);
  }
  if (request.command == "get" || request.command == "set") return handle_resource_request(request);
  if (request.command == "checker" || request.command == "errd") return handle_checks_request(request);
  if (request.command == "rfsdiff" || request.command == "rfsverify") return handle_replication_request(request);
  const auto command = behaviour_command(request);
  if (!command && request.command == "failover")
    return ControlResponse::failure(fail(Errc::invalid_argument, "failover needs \"on\" or \"off\", got \"" +
                                                                     request.args.value("mode", std::string()) + "\""));
  if (!command)
    return ControlResponse::failure(fail(Errc::unsupported, "the agent of module " + options_.module +
                                                                " does not know the command \"" + request.command + "\""));
  CommandEvent event;
  event.command = *command;
  if (auto f = request.args.find("fullsync"); f != request.args.end() && f->is_boolean()) event.fullsync = f->get<bool>();
  if (auto i = request.args.find("identity"); i != request.args.end() && i->is_string()) event.identity = i->get<std::string>();
  if (exiting_) return agent_gone(options_.module);
  if (event.command == Command::forcestop) {
    // A start hook may hang for ever (it has no timeout): forcestop must still get through.
    if (hook_cancel_ && start_hook_running_) {
      log_->warn("forcestop: killing the start hook that is running");
      hook_cancel_->store(true);
    }
  }
  if (peer_link_ && waits_for_peer(event.command)) {
    // The machine decides a start from what it knows of the peer: give the peer link its
    // first heartbeat or its timeout before the command goes in.
    const auto deadline = std::chrono::steady_clock::now() + setup_.peer_link->timeout + 2 * setup_.peer_link->pulse;
    while (!peer_known_ && !exiting_ && !io_.stopped() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (membership_ && waits_for_peer(event.command)) {
    // Likewise a farm's first view of its members, so that a node does not take the whole
    // load for itself before it heard the others.
    const auto& m = *setup_.membership;
    const auto deadline = std::chrono::steady_clock::now() + (std::max(m.mlost_count, m.slost_count) + 2) * m.pulse;
    while (!membership_known_ && !exiting_ && !io_.stopped() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto response = run_on_loop(io_, [request, event, this] {
    last_reply_.reset();
    log_->info("command {}{} received", request.command, event.identity.empty() ? "" : " -i " + log_text(event.identity));
    started_ = true;
    if (!before_administrator_command(event)) feed(event);
    auto reply = last_reply_;
    if (reply && reply->accepted && (event.command == Command::failover_on || event.command == Command::failover_off)) {
      failover_ = event.command == Command::failover_on;
      set_host_resource("usersetting.failover", failover_ ? "on" : "off");
    }
    if (reply && reply->accepted && waits_for_peer(event.command)) {
      // Without a peer this node is alone; with one, the machine hears the latest news of it
      // now (or, if none yet, from the peer link's first heartbeat or its timeout).
      if (membership_) {
        if (membership_known_) feed(Membership{membership_->view()});
      } else if (!peer_link_) {
        feed(Membership{});
      } else if (last_peer_) {
        feed(Membership{{*last_peer_}});
      }
    }
    auto answer = !reply ? ControlResponse::success(request.command + " accepted", state_json())
                    : reply->accepted
                        ? ControlResponse::success(reply->message.empty() ? request.command + " accepted" : reply->message,
                                                   state_json())
                        : ControlResponse::failure(fail(Errc::refused, reply->message));
    maybe_exit();
    return answer;
  });
  return response ? *response : agent_gone(options_.module);
}

ModuleStatus ModuleAgent::status() const {
  const auto known = behaviour_->knowledge();
  ModuleStatus s;
  s.module = options_.module;
  s.node = options_.node;
  s.state = behaviour_->state();
  s.substate = behaviour_->sub_state();
  s.reason = reason_;
  s.uptodate = known.data_uptodate;
  s.role = known.last_role;
  s.generation = known.generation;
  s.failover = failover_;
  s.pid = ::getpid();
  if (checkers_) s.starts = checkers_->starts();  // a <module> checker elsewhere tells runs apart by it
  if (hook_running()) s.hook = running_job_->hook->hook;
  s.vips = vip_statuses();
  if (!load_shares_.empty()) s.load = load_statuses();
  s.resources = resource_statuses();
  // What `remote.` in the failover rules reads: the peer's resources from its heartbeats.
  if (peer_link_ && peer_link_->peer_resources()) s.peer_resources = *peer_link_->peer_resources();
  s.checkers = checker_statuses();
  if (replication_) s.replication = replication_json();
  return s;
}

nlohmann::json ModuleAgent::state_json() const { return to_json(status()); }

ControlResponse ModuleAgent::handle_resource_request(const ControlRequest& request) {
  if (exiting_) return agent_gone(options_.module);
  const auto name = request.args.value("resource", std::string());
  if (request.command == "get") {
    auto answer = run_on_loop(io_, [&]() -> ControlResponse {
      if (name.empty()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : resources_.list()) list.push_back(resource_to_json(r));
        return ControlResponse::success("", list);
      }
      auto r = resources_.get(name);
      if (!r)
        return ControlResponse::failure(fail(Errc::not_found, "module " + options_.module + " has no resource " + name +
                                                                  " on node " + options_.node +
                                                                  " (haven get -m " + options_.module + " lists them)"));
      return ControlResponse::success("", nlohmann::json::array({resource_to_json(*r)}));
    });
    return answer ? *answer : agent_gone(options_.module);
  }
  const auto value = request.args.value("value", std::string());
  const auto by = request.args.value("identity", std::string());
  auto answer = run_on_loop(io_, [&]() -> ControlResponse {
    auto changed = resources_.set_by_user(name, value, by, std::chrono::system_clock::now());
    if (!changed.ok()) return ControlResponse::failure(changed.error());
    auto r = *resources_.get(name);
    if (*changed) log_->info("Resource {} set to {} by {}", log_text(name), log_text(value), log_text(r.set_by));
    return ControlResponse::success(name + " = " + value, nlohmann::json::array({resource_to_json(r)}));
  });
  return answer ? *answer : agent_gone(options_.module);
}

void ModuleAgent::set_host_resource(const std::string& name, const std::string& value) {
  if (resources_.set_by_host(name, value, std::chrono::system_clock::now()))
    log_->debug("Resource {} set to {} by haven", name, value);
}

void ModuleAgent::feed(const Event& event) { execute(behaviour_->handle(event, std::chrono::steady_clock::now())); }

void ModuleAgent::execute(std::vector<Action> actions) {
  for (const auto& action : actions) execute_one(action);
}

void ModuleAgent::execute_one(const Action& action) {
  if (const auto* hook = std::get_if<RunHook>(&action)) {
    queue_job(Job{*hook, std::nullopt, {}});
  } else if (const auto* enter = std::get_if<EnterState>(&action)) {
    reason_ = enter->reason;
    follow_state_with_vips(enter->state);
    follow_state_with_checks(enter->state, enter->sub);
    follow_state_with_replication(enter->state, enter->sub);
    if (enter->state == ModuleState::second) boost::asio::post(io_, [this] { offer_in_sync(); });
    if (peer_link_) peer_link_->send_now();
    if (membership_) membership_->send_now();
    if (enter->state == ModuleState::second && enter->sub == SubState::transient && !setup_.replicates) {
      // Nothing to copy: a SECOND without replicated directories is in sync at once.
      boost::asio::post(io_, [this] {
        // Only while it is still a SECOND following a primary (not failing over).
        const bool following = last_peer_ && last_peer_->reachable &&
                               (last_peer_->state == ModuleState::prim || last_peer_->state == ModuleState::alone);
        if (behaviour_->state() != ModuleState::second || !following) return;
        feed(ReplicationNews{ReplicationNews::Kind::in_sync});
        maybe_exit();
      });
    }
    // Read by havend if this agent dies, to know which stop hooks must clean up after it.
    if (auto st = save_agent_state(options_.paths.agent_state_file(options_.module), enter->state, enter->sub); !st.ok())
      log_->warn("cannot record the module state for crash clean-up: {}", st.error().message);
    log_->info("Local state {} {}{}", to_string(enter->state), to_string(enter->sub),
               enter->reason.empty() ? "" : " (" + enter->reason + ")");
  } else if (const auto* save = std::get_if<SaveKnowledge>(&action)) {
    auto st = save_knowledge(options_.paths.knowledge_file(options_.module), save->knowledge);
    if (!st.ok()) log_->error("cannot persist what this node knows of module {}: {}", options_.module, st.error().message);
  } else if (const auto* resource = std::get_if<SetResource>(&action)) {
    set_host_resource(resource->name, resource->value);
  } else if (const auto* carry = std::get_if<CarryOut>(&action)) {
    queue_job(Job{std::nullopt, std::nullopt, carry->steps});
  } else if (const auto* report = std::get_if<Report>(&action)) {
    log_->log(to_spdlog(report->level), "{}", report->message);
  } else if (const auto* deal = std::get_if<DealBuckets>(&action)) {
    apply_deal(*deal);
  } else if (const auto* reply = std::get_if<CommandReply>(&action)) {
    last_reply_ = *reply;
    if (!reply->accepted) log_->warn("command {} refused: {}", to_string(reply->command), reply->message);
  } else if (const auto* timer = std::get_if<StartTimer>(&action)) {
    auto& t = timers_[timer->name];
    t = std::make_unique<boost::asio::steady_timer>(io_, timer->after);
    t->async_wait([this, name = timer->name](const boost::system::error_code& ec) {
      if (ec) return;
      feed(TimerFired{name});
      maybe_exit();
    });
  }
}

bool ModuleAgent::hook_running() const { return running_job_ && running_job_->hook; }

void ModuleAgent::queue_job(Job job) {
  if (running_job_ || !queued_jobs_.empty()) {
    queued_jobs_.push_back(std::move(job));
    return;
  }
  start_job(std::move(job));
}

namespace {

// The hook's file, run with the module's environment; what the behaviour is told of it.
HookFinished run_hook_file(const std::filesystem::path& file, HookSpec spec, const std::filesystem::path& hook_runner) {
  spec.file = file;
  HookRunnerOptions options;
  options.runner = hook_runner;  // empty: haven-hook beside this program
  HookRunner runner(options);
  auto outcome = runner.run(spec);
  HookFinished done;
  done.hook = spec.hook;
  if (!outcome.ok()) {
    done.ok = false;
    done.exit_code = -1;
    done.detail = outcome.error().message;
    return done;
  }
  done.exit_code = outcome->exit_code;
  done.timed_out = outcome->timed_out || outcome->cancelled;
  done.ok = outcome->exit_code == 0 && !done.timed_out;
  if (!done.ok) {
    done.detail = outcome->cancelled   ? "killed with its children by forcestop"
                  : outcome->timed_out ? "killed with its children after its timeout"
                                       : "exit code " + std::to_string(outcome->exit_code);
    if (!outcome->output_tail.empty()) done.detail += "; last output:\n" + outcome->output_tail;
  }
  return done;
}

}  // namespace

std::vector<ModuleAgent::PlannedStep> ModuleAgent::plan_host_steps(const std::vector<HostStep>& steps) const {
  std::vector<PlannedStep> planned;
  for (const auto& step : steps) {
    if (std::holds_alternative<StartReplication>(step) || std::holds_alternative<StopReplication>(step)) {
      auto replication = replication_step_for(step);
      if (replication.kind != ReplicationStep::Kind::none) planned.push_back({std::nullopt, replication});
    } else {
      planned.push_back({step, {}});
    }
  }
  return planned;
}

Status ModuleAgent::carry_out_on_loop(const HostStep& step) {
  if (std::holds_alternative<TakeVips>(step)) return take_vips();
  if (std::holds_alternative<ReleaseVips>(step)) {
    release_vips();  // clients stop arriving before the application stops
    return ok_status();
  }
  if (std::holds_alternative<RefuseUnforwardedWrites>(step)) {
    // A write its lost secondary lacks must not hold the application's stop up: it fails.
    if (replication_ && replication_role_ == ReplicationRole::primary) {
      leaving_primary_ = true;
      replication_->refuse_unforwarded("module " + options_.module + ": this node is leaving the primary role; a write its "
                                       "lost secondary lacks is not acknowledged");
    }
    return ok_status();
  }
  return ok_status();
}

// On the job thread, in order: a step on the loop is waited for there, a replication step
// runs here and the loop learns its outcome. The first failure ends the list.
Status ModuleAgent::carry_out_steps(const std::vector<PlannedStep>& steps) {
  for (const auto& step : steps) {
    if (step.on_loop) {
      const HostStep& host_step = *step.on_loop;
      auto done = run_on_loop(io_, [this, &host_step] { return carry_out_on_loop(host_step); });
      if (!done) return fail(Errc::refused, "the agent of module " + options_.module + " is stopping");
      if (!done->ok()) return *done;
      continue;
    }
    auto outcome = carry_out(step.replication);
    boost::asio::post(io_, [this, replication = step.replication, outcome] { apply_replication_outcome(replication, outcome); });
    if (!outcome.status.ok()) return outcome.status;
  }
  return ok_status();
}

void ModuleAgent::start_job(Job job) {
  running_job_ = job;
  std::vector<PlannedStep> before;
  std::vector<PlannedStep> after_success;
  std::vector<PlannedStep> after;
  if (job.hook) {
    before = plan_host_steps(job.hook->before);
    after_success = plan_host_steps(job.hook->after_success);
    after = plan_host_steps(job.hook->after);
  } else if (job.replication) {
    if (auto step = replication_step_to(*job.replication); step.kind != ReplicationStep::Kind::none) before.push_back({std::nullopt, step});
  } else {
    before = plan_host_steps(job.steps);
  }
  // While a step changes the session's role, the loop treats it as having none.
  if (std::any_of(before.begin(), before.end(), [](const PlannedStep& p) { return p.replication.kind != ReplicationStep::Kind::none; })) {
    replication_role_ = ReplicationRole::none;
    replication_linked_ = false;
  }
  std::optional<HookSpec> spec;
  std::optional<HookFinished> at_once;  // the hook was not found, or cannot run
  if (job.hook) {
    const RunHook& hook = *job.hook;
    auto file = find_hook(setup_.bin_dir, hook.hook, setup_.script_extensions);
    if (!file.ok()) {
      at_once = HookFinished{hook.hook, false, -1, false, file.error().message};
    } else if (!file->has_value()) {
      log_->debug("hook {} {}: absent, nothing to run", hook.hook, fmt::join(hook.args, " "));
      at_once = HookFinished{hook.hook, true, 0, false, ""};
    } else {
      HookSpec s;
      s.module = options_.module;
      s.hook = hook.hook;
      s.file = **file;
      s.args = hook.args;
      s.env = setup_.hook_env;
      s.user_log = module_log_files(options_.paths, options_.module).user_log;
      s.timeout = setup_.hook_timeout(hook.phase);
      hook_cancel_ = std::make_shared<std::atomic<bool>>(false);
      start_hook_running_ = hook.phase == HookPhase::start;
      s.cancel = hook_cancel_;
      spec = std::move(s);
    }
  }
  if (job_thread_.joinable()) job_thread_.join();
  job_thread_ = std::thread([this, job, before, after_success, after, spec, at_once] {
    if (auto ready = carry_out_steps(before); !ready.ok()) {
      if (job.hook) {
        HookFinished done{job.hook->hook, false, -1, false, "not run: what haven does before it failed: " + ready.error().message};
        boost::asio::post(io_, [this, done] { on_job_finished(done); });
      } else {
        log_->error("module {}: {}", options_.module, ready.error().message);
        boost::asio::post(io_, [this] { on_job_finished(std::nullopt); });
      }
      return;
    }
    std::optional<HookFinished> done = at_once;
    if (spec) {
      log_->info("running hook {} {}", spec->file.filename().string(), fmt::join(spec->args, " "));
      done = run_hook_file(spec->file, *spec, options_.hook_runner);
    }
    if (done && done->ok) {
      // Clients reach the application only once its hook has started it: a virtual IP that
      // cannot be set fails the hook as its script would (the module stops, the peer may take over).
      if (auto st = carry_out_steps(after_success); !st.ok()) {
        done->ok = false;
        done->exit_code = -1;
        done->detail = "succeeded, but what haven does after it failed: " + st.error().message;
      }
    }
    if (auto st = carry_out_steps(after); !st.ok()) log_->error("module {}: after hook {}: {}", options_.module, done ? done->hook : "", st.error().message);
    boost::asio::post(io_, [this, done] { on_job_finished(done); });
  });
}

void ModuleAgent::on_job_finished(std::optional<HookFinished> finished) {
  running_job_.reset();
  start_hook_running_ = false;
  if (finished) {
    if (finished->ok) {
      log_->debug("hook {} finished", finished->hook);
    } else {
      log_->error("hook {} failed: {}", finished->hook, finished->detail);
    }
    feed(*finished);
  }
  if (!running_job_ && !queued_jobs_.empty()) {
    auto next = std::move(queued_jobs_.front());
    queued_jobs_.pop_front();
    start_job(std::move(next));
  }
  maybe_exit();
}

LocalModuleStatus ModuleAgent::local_status() const {
  LocalModuleStatus status{behaviour_->state(), behaviour_->sub_state(), behaviour_->knowledge(), {}};
  for (const auto& r : resources_.list()) status.resources.emplace(r.name, r.value);
  return status;
}

void ModuleAgent::on_peer_update(const PeerView& update) {
  // A <splitbrain> witness decides first whether losing every heartbeat may make this node primary.
  if (hold_peer_loss(update)) return;
  deliver_peer_update(update);
}

void ModuleAgent::deliver_peer_update(const PeerView& update) {
  last_peer_ = update;
  peer_known_ = true;
  feed(Membership{{update}});  // in STOP the machine only remembers it, for the next command
  connect_secondary_if_ready();
  if (stream_ended_at_) check_stream_ended();
  if (secondary_lost_at_) check_peer_behind();
  offer_in_sync();
  maybe_exit();
}

void ModuleAgent::maybe_exit() {
  if (exiting_ || !started_) return;
  if (behaviour_->state() != ModuleState::stop || running_job_ || !queued_jobs_.empty()) return;
  exiting_ = true;
  // Let the reply in progress reach its client before the loop ends.
  boost::asio::post(io_, [this] { io_.stop(); });
}

}  // namespace haven
