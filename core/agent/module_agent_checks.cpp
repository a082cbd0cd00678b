// The agent's side of checkers and failover rules: which checkers run in which state, what
// their results set, and which action a rule or errd asks of the behaviour.
#include <boost/asio/post.hpp>

#include "agent/module_agent.hpp"
#include "agent/run_on_loop.hpp"
#include "checks/checker_activation.hpp"
#include "checks/errd_handler.hpp"
#include "common/module_log.hpp"
#include "common/process_environment.hpp"
#include "host_services/node_host_services.hpp"
#include "config/user_config_loader.hpp"
#include "failover_rules/module_rules.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/checker_catalog.hpp"

namespace haven {
namespace {

std::optional<Command> command_for(failover::RuleAction action) {
  switch (action) {
    case failover::RuleAction::stop: return Command::stop;
    case failover::RuleAction::stopstart: return Command::stopstart;
    case failover::RuleAction::restart: return Command::restart;
    case failover::RuleAction::swap: return Command::swap;
    case failover::RuleAction::wait: return Command::wait_on;
  }
  return std::nullopt;
}

std::optional<Command> command_for(config::FailureAction action) {
  switch (action) {
    case config::FailureAction::restart: return Command::restart;
    case config::FailureAction::stopstart: return Command::stopstart;
    case config::FailureAction::stop: return Command::stop;
    case config::FailureAction::wait: return Command::wait_on;
    case config::FailureAction::swap: return Command::swap;
    case config::FailureAction::noaction:
    case config::FailureAction::handler: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

Status ModuleAgent::open_checks() {
  // Read again here, as load_module_setup() did (and refused it if broken): the checkers need
  // the elements themselves, which the behaviour's settings do not keep.
  const auto file = options_.paths.module_dir(options_.module) / "conf" / "userconfig.xml";
  auto loaded = config::load_user_config(file, process_environment());
  if (!loaded.config) return fail(Errc::invalid_argument, "cannot read " + file.string() + " for its checkers");
  const config::UserConfig& cfg = *loaded.config;

  auto module_log = log_;
  auto log_sink = [module_log](LogLevel level, std::string_view msg) { module_log->log(to_spdlog(level), "{}", msg); };
  // Each checker plugin owns its element: the catalog finds it by name, it validates its
  // element (already at `haven config check` and install; again here, the plugin may differ).
  const auto catalog = load_checker_catalog(plugins_, std::make_shared<BasicHostContext>(log_sink, "checkers"));
  for (const auto& problem : catalog.problems()) log_->warn("checker plugin left out: {}", problem.message);
  auto plan = checks::plan_checkers(cfg, catalog);
  for (const auto& d : plan.diagnostics)
    if (d.severity == config::Severity::warning) log_->debug("configuration: {}", d.to_string());
  if (plan.has_errors())
    return fail(Errc::invalid_argument, "module " + options_.module + " cannot start: its checkers' configuration has "
                                        "errors:" + plan.errors());
  const auto rule_sources = plan.rule_sources();
  auto specs = std::move(plan.checkers);
  if (vips_) append_vip_checks(specs);
  for (auto& spec : specs) {
    if (!spec.plugin.empty()) continue;  // <vip> check="on" names the element only
    const CheckerOwner* owner = catalog.find(CheckerSection::check, spec.element.name);
    if (owner == nullptr)
      return fail(Errc::not_found, "module " + options_.module + " cannot start: <vip> check=\"on\" (userconfig.xml "
                                   "line " + std::to_string(spec.line) + ") needs the checker plugin that owns <" +
                                   spec.element.name + ">, and none is loaded (`haven plugins list`)");
    spec.plugin = owner->plugin;
  }
  if (!host_services_) host_services_ = std::make_shared<NodeHostServices>(options_.paths, process_environment());
  auto factory = [this, log_sink](const checks::CheckerSpec& spec) -> Result<std::shared_ptr<Checker>> {
    auto context = std::make_shared<BasicHostContext>(log_sink, spec.resource);
    context->with_config(spec.element).with_environment(setup_.hook_env).with_services(host_services_, options_.module);
    return plugins_.make_checker(spec.plugin, context);
  };
  auto observer = [this](const checks::Observation& seen) {
    boost::asio::post(io_, [this, seen] { on_observation(seen); });
  };
  checks::ErrdHandlerSettings handlers{options_.module, setup_.bin_dir, setup_.script_extensions, setup_.hook_env,
                                       module_log_files(options_.paths, options_.module).user_log,
                                       setup_.force_stop_timeout, {}};
  checkers_ = std::make_unique<checks::CheckerRunner>(
      std::move(specs), std::move(factory), std::move(observer),
      checks::errd_handler_runner(std::move(handlers), [module_log](LogLevel level, const std::string& msg) {
        module_log->log(to_spdlog(level), "{}", msg);
      }));
  if (auto st = checkers_->prepare(); !st.ok()) return st;
  for (const auto& spec : checkers_->plan()) set_host_resource(spec.resource, "init");

  auto rules = failover::module_rules(cfg, file.string(), rule_sources);
  if (!rules.ok()) return std::move(rules).error();
  rule_period_ = cfg.failover ? cfg.failover->period : std::chrono::milliseconds(5000);
  const auto handle_time = cfg.failover ? cfg.failover->handle_time : std::chrono::milliseconds(15000);
  rules_ = std::make_unique<failover::RuleEngine>(std::move(*rules), handle_time);
  rule_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  if (!checkers_->plan().empty())
    log_->info("{} checker(s); failover rules evaluated every {} ms, acting after {} ms", checkers_->plan().size(),
               rule_period_.count(), handle_time.count());

  auto custom = checks::plan_custom_checkers(cfg, options_.module, setup_.bin_dir);
  if (!custom.ok()) return std::move(custom).error();
  for (const auto& spec : *custom) set_host_resource(spec.resource, "init");
  custom_checkers_ = std::make_unique<checks::CustomCheckerSet>(
      std::move(*custom),
      checks::hook_program_runner(options_.module, setup_.hook_env,
                                  module_log_files(options_.paths, options_.module).user_log),
      [module_log](LogLevel level, const std::string& msg) { module_log->log(to_spdlog(level), "{}", msg); });

  const auto heartbeat_timeout = setup_.peer_link ? setup_.peer_link->timeout : std::chrono::milliseconds(30000);
  auto witnesses = checks::split_brain_settings(cfg, heartbeat_timeout);
  if (!witnesses.ok()) return std::move(witnesses).error();
  if (*witnesses && !setup_.peer_link) {
    log_->warn("userconfig.xml line {}: <splitbrain> is ignored: module {} has no peer in cluster.xml, so there is no "
               "split brain to guard against",
               (*witnesses)->line, options_.module);
  } else if (*witnesses) {
    split_brain_ = std::make_unique<checks::SplitBrainGuard>(std::move(**witnesses));
    witness_probe_ = std::make_unique<checks::WitnessProbe>(
        [this](const std::string& witness, std::chrono::milliseconds timeout, std::string& detail) {
          return ping_witness(witness, timeout, detail);
        });
    set_host_resource(split_brain_->resource(), "init");
    set_host_resource("splitbrain.uptodate", "init");
  }
  restore_checker_settings();
  return ok_status();
}

void ModuleAgent::restore_checker_settings() {
  const auto file = checks::checker_settings_file(options_.paths.module_var_dir(options_.module));
  auto loaded = checks::load_checker_settings(file);
  if (!loaded.ok()) {
    log_->error("{}; checkers and errd stay on", loaded.error().message);
  } else {
    checker_settings_ = *loaded;
  }
  set_host_resource("usersetting.checker", checker_settings_.checkers_on ? "on" : "off");
  set_host_resource("usersetting.errd", checker_settings_.errd_on ? "on" : "off");
  if (!checker_settings_.checkers_on) {
    (void)checkers_->set_checkers_enabled(false);
    (void)custom_checkers_->set_enabled(false);
    log_->warn("checkers of module {} are off, as 'haven checker off' left them; 'haven checker on -m {}' turns them "
               "back on",
               options_.module, options_.module);
  }
  if (!checker_settings_.errd_on) {
    (void)checkers_->set_errd_enabled(false);
    log_->warn("process monitoring (errd) of module {} is off, as 'haven errd off' left it; 'haven errd on -m {}' "
               "turns it back on",
               options_.module, options_.module);
  }
}

void ModuleAgent::persist_checker_settings() {
  const auto file = checks::checker_settings_file(options_.paths.module_var_dir(options_.module));
  if (auto st = checks::save_checker_settings(file, checker_settings_); !st.ok())
    log_->error("cannot keep the checker and errd settings of module {} for its next start: {}", options_.module,
                st.error().message);
}

// `<vip>` with check="on": the seed product's generated intf (interface_failure: wait) and ip
// (ip_failure: stopstart) checkers, unless the administrator wrote one for the same resource.
void ModuleAgent::append_vip_checks(std::vector<checks::CheckerSpec>& plan) const {
  for (const auto& generated : vips_->checks()) {
    checks::CheckerSpec spec;
    const bool ip = generated.element == "ip";
    spec.resource_class = generated.element;
    spec.id = generated.ident;
    spec.resource = spec.resource_class + "." + spec.id;
    if (std::any_of(plan.begin(), plan.end(), [&](const auto& s) { return s.resource == spec.resource; })) continue;
    ConfigNode to;
    to.name = "to";
    to.attributes = {ip ? std::pair<std::string, std::string>{"addr", generated.address}
                        : std::pair<std::string, std::string>{"interface", generated.interface}};
    to.line = generated.line;
    to.path = "safe/service/vip (generated by check=\"on\")";
    spec.element.name = generated.element;  // open_checks finds the plugin that owns it
    spec.element.attributes = {{"ident", generated.ident}};
    spec.element.children = {to};
    spec.element.line = generated.line;
    spec.element.path = to.path;
    spec.interval = std::chrono::seconds(10);
    spec.timeout = std::chrono::seconds(5);
    spec.when = ip ? config::ActiveWhen::prim : config::ActiveWhen::pre;
    spec.action = generated.action;
    spec.line = generated.line;
    plan.push_back(std::move(spec));
  }
}

void ModuleAgent::follow_state_with_checks(ModuleState state, SubState sub) {
  if (!checkers_) return;
  for (const auto& resource : checkers_->follow(state, sub)) set_host_resource(resource, "init");
  if (custom_checkers_)
    for (const auto& resource : custom_checkers_->follow(state, sub)) set_host_resource(resource, "init");
  const bool running = state != ModuleState::stop;
  if (running && !rules_armed_) {
    rules_armed_ = true;
    rules_->reset();
    arm_rule_timer();
  } else if (!running && rules_armed_) {
    // held_by_rule_ stays: a stop on the way back to WAIT keeps the hold, and a release of
    // a hold a real stop already ended is harmless.
    rules_armed_ = false;
    rule_timer_->cancel();
  }
}

void ModuleAgent::on_observation(const checks::Observation& seen) {
  if (!checkers_ || exiting_) return;
  const auto before = resources_.get(seen.resource);
  const bool changed = resources_.set_by_host(seen.resource, seen.value, std::chrono::system_clock::now());
  const std::string checker = seen.spec->plugin.substr(seen.spec->plugin.rfind('.') + 1);
  if (changed)
    log_->log(seen.value == "up" ? spdlog::level::info : spdlog::level::warn, "Resource {} set to {} by {}check: {}",
              seen.resource, seen.value, checker, seen.reason);
  // The seed's module checker "stopstarts the local module when the watched module
  // restarts": what this module took from it (connections, mounts, data) belongs to a run
  // that is gone. Counted against maxloop under the resource's name, as a detector's action.
  if (seen.restart) {
    const std::string what = seen.thing + " restarted (" + checks::describe(*seen.restart) + ")";
    const auto state = behaviour_->state();
    if (!checks::in_role(state)) {
      // STOP or WAIT: no application of this module runs, and it starts after the restart.
      log_->info("{}; module {} is {}: nothing to stopstart", what, options_.module, to_string(state));
      return;
    }
    log_->warn("Action stopstart called by {} checker {}: {}", checker, seen.resource, what);
    feed(CommandEvent{Command::stopstart, false, seen.resource});  // a refusal is logged with the reply
    maybe_exit();
    return;
  }
  if (!changed) return;
  // errd acts by itself, once per fall: the seed's "Action restart called by errd".
  if (seen.spec->path != checks::FailurePath::direct || seen.value != "down") return;
  if (before && before->value == "down") return;
  auto command = command_for(seen.spec->action);
  if (!command) return;
  log_->warn("Action {} called by errd: {}", to_string(*command), seen.reason);
  feed(CommandEvent{*command, false, "errd"});
  maybe_exit();
}

void ModuleAgent::arm_rule_timer() {
  rule_timer_->expires_after(rule_period_);
  rule_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || !rules_armed_) return;
    evaluate_rules();
    if (rules_armed_) arm_rule_timer();
  });
}

void ModuleAgent::evaluate_rules() {
  failover::ResourceValues values;
  for (const auto& r : resources_.list()) values.local[r.name] = r.value;
  if (peer_link_) values.remote = peer_link_->peer_resources();
  const auto outcome = rules_->evaluate(values, std::chrono::steady_clock::now());
  // wait(): told while due (the behaviour ignores a repeat of the rule already holding it,
  // and takes it again if a stop ended the hold); released once the condition is false, not
  // merely not yet due again after a reset.
  if (outcome.wait) {
    const auto& rule = *outcome.wait->rule;
    if (held_by_rule_ != rule.label) log_->warn("Action wait called by failover rule {}: {}", rule.label, rule.text);
    held_by_rule_ = rule.label;
    feed(CommandEvent{Command::wait_on, false, rule.label});
  } else if (!held_by_rule_.empty() && !rules_->holds(held_by_rule_)) {
    log_->info("failover rule {} no longer holds module {}", held_by_rule_, options_.module);
    feed(CommandEvent{Command::wait_off, false, held_by_rule_});
    held_by_rule_.clear();
    // wait_off ends any hold: a split brain's still in force is taken again.
    if (split_brain_ && split_brain_->holding()) feed(CommandEvent{Command::wait_on, false, checks::kSplitBrainHold});
  }
  if (outcome.action) {
    const auto& rule = *outcome.action->rule;
    if (auto command = command_for(rule.action)) {
      log_->warn("Action {} called by failover rule {}: {}", to_string(*command), rule.label, rule.text);
      feed(CommandEvent{*command, false, rule.label});
      // A condition still true after the action must hold handle_time again to act again.
      rules_->reset();
    }
  }
  maybe_exit();
}

ControlResponse ModuleAgent::handle_checks_request(const ControlRequest& request) {
  const auto mode = request.args.value("mode", std::string());
  const auto klass = request.args.value("class", std::string());
  auto answer = run_on_loop(io_, [&]() -> ControlResponse {
    if (!checkers_) return ControlResponse::failure(fail(Errc::refused, "module " + options_.module + " has no checkers"));
    std::vector<std::string> stopped;
    std::string what;
    if (request.command == "checker" && (mode == "on" || mode == "off")) {
      stopped = checkers_->set_checkers_enabled(mode == "on");
      if (custom_checkers_) {
        auto custom = custom_checkers_->set_enabled(mode == "on");
        stopped.insert(stopped.end(), custom.begin(), custom.end());
      }
      set_host_resource("usersetting.checker", mode);
      checker_settings_.checkers_on = mode == "on";
      persist_checker_settings();
      what = "checkers " + mode;
    } else if (request.command == "errd" && (mode == "on" || mode == "off")) {
      stopped = checkers_->set_errd_enabled(mode == "on");
      set_host_resource("usersetting.errd", mode);
      checker_settings_.errd_on = mode == "on";
      persist_checker_settings();
      what = "process monitoring (errd) " + mode;
    } else if (request.command == "errd" && (mode == "enable" || mode == "disable")) {
      if (klass.empty())
        return ControlResponse::failure(fail(Errc::invalid_argument, "errd " + mode + " needs the custom class to " + mode));
      stopped = checkers_->set_class_enabled(klass, mode == "enable");
      what = "errd class " + klass + (mode == "enable" ? " enabled" : " disabled");
    } else if (!(request.command == "errd" && mode == "list")) {
      return ControlResponse::failure(fail(Errc::invalid_argument, request.command + " needs on or off" +
                                                                       std::string(request.command == "errd"
                                                                                       ? ", enable CLASS, disable CLASS or list"
                                                                                       : "") +
                                                                       ", got \"" + mode + "\""));
    }
    for (const auto& r : stopped) set_host_resource(r, "init");
    if (!what.empty()) log_->info("{} (by the administrator)", what);
    return ControlResponse::success(what.empty() ? "checkers of module " + options_.module : what, checks_json());
  });
  return answer ? *answer : ControlResponse::failure(fail(Errc::refused, "the agent of module " + options_.module + " is exiting"));
}

ResourceStatus resource_status(const Resource& r) {
  const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(r.since.time_since_epoch()).count();
  return ResourceStatus{r.name, r.value, r.set_by, since};
}

nlohmann::json resource_to_json(const Resource& r) { return to_json(resource_status(r)); }

std::vector<ResourceStatus> ModuleAgent::resource_statuses() const {
  std::vector<ResourceStatus> list;
  for (const auto& r : resources_.list()) list.push_back(resource_status(r));
  return list;
}

std::vector<CheckerStatus> ModuleAgent::checker_statuses() const {
  std::vector<CheckerStatus> list;
  if (!checkers_) return list;
  const auto running = checkers_->running();
  for (const auto& spec : checkers_->plan()) {
    auto r = resources_.get(spec.resource);
    CheckerStatus c;
    c.resource = spec.resource;
    c.plugin = spec.plugin;
    c.kind = spec.path == checks::FailurePath::direct ? "errd" : "checker";
    c.running = std::find(running.begin(), running.end(), spec.resource) != running.end();
    c.value = r ? r->value : "init";
    c.interval_ms = spec.interval.count();
    c.line = spec.line;
    list.push_back(std::move(c));
  }
  if (custom_checkers_) {
    const auto custom_running = custom_checkers_->running();
    for (const auto& checker : custom_checkers_->checkers()) {
      const auto& spec = checker->spec();
      auto r = resources_.get(spec.resource);
      CheckerStatus c;
      c.resource = spec.resource;
      c.plugin = spec.program.string();  // what `errd list` shows in that column
      c.program = spec.program.string();
      c.kind = "custom";
      c.running = std::find(custom_running.begin(), custom_running.end(), spec.resource) != custom_running.end();
      c.starts = checker->starts();
      c.value = r ? r->value : "init";
      c.line = spec.line;
      list.push_back(std::move(c));
    }
  }
  if (split_brain_) {
    auto r = resources_.get(split_brain_->resource());
    std::string witnesses;
    for (const auto& w : split_brain_->settings().witnesses) witnesses += (witnesses.empty() ? "" : " ") + w;
    CheckerStatus c;
    c.resource = split_brain_->resource();
    c.plugin = "haven.checker.ping";
    c.kind = "witness";  // <splitbrain>; fits the `errd list` column
    c.running = split_brain_->probing();
    c.witnesses = witnesses;
    c.probing = split_brain_->probing();
    c.holding = split_brain_->holding();
    c.value = r ? r->value : "init";
    c.line = split_brain_->settings().line;
    list.push_back(std::move(c));
  }
  return list;
}

nlohmann::json ModuleAgent::checks_json() const { return to_json(checker_statuses()); }

bool ModuleAgent::hold_peer_loss(const PeerView& update) {
  if (!split_brain_) return false;
  const bool was_reachable = last_peer_ && last_peer_->reachable;
  auto seen = split_brain_->on_peer_update(update, was_reachable, behaviour_->state() != ModuleState::stop);
  if (update.reachable && seen.steps.release) {
    // The behaviour hears that the peer is back before the hold ends: released first, it would
    // decide with the peer still lost, and go ALONE beside a peer that took over meanwhile.
    deliver_peer_update(update);
    apply_split_brain(std::move(seen.steps));
    return true;
  }
  if (seen.ask) {
    witness_probe_->ask(*seen.ask, split_brain_->settings().witnesses, split_brain_->settings().timeout,
                        [this](std::uint64_t round, const checks::WitnessAnswer& answer) {
                          boost::asio::post(io_, [this, round, answer] {
                            if (exiting_) return;
                            apply_split_brain(split_brain_->on_witness_answer(round, answer));
                          });
                        });
  }
  apply_split_brain(std::move(seen.steps));
  return seen.keep;
}

void ModuleAgent::apply_split_brain(checks::SplitBrainSteps steps) {
  for (const auto& [level, message] : steps.log) log_->log(to_spdlog(level), "{}", message);
  for (const auto& [name, value] : steps.resources)
    if (resources_.set_by_host(name, value, std::chrono::system_clock::now()))
      log_->info("Resource {} set to {} by splitbrain", name, value);
  if (steps.release) {
    feed(CommandEvent{Command::wait_off, false, checks::kSplitBrainHold});
    // wait_off ends any hold: another rule's still in force is taken again. The built-in
    // splitbrain_failure read the resources just cleared: it holds no more.
    if (held_by_rule_ == checks::kSplitBrainHold) held_by_rule_.clear();
    if (!held_by_rule_.empty() && rules_->holds(held_by_rule_))
      feed(CommandEvent{Command::wait_on, false, held_by_rule_});
  }
  if (steps.hold) feed(CommandEvent{Command::wait_on, false, checks::kSplitBrainHold});
  if (steps.deliver) {
    deliver_peer_update(*steps.deliver);
  } else {
    maybe_exit();
  }
}

bool ModuleAgent::ping_witness(const std::string& witness, std::chrono::milliseconds timeout, std::string& detail) {
  ConfigNode to;
  to.name = "to";
  to.attributes = {{"addr", witness}};
  to.line = split_brain_->settings().line;
  to.path = "safe/service/check/splitbrain (arg)";
  ConfigNode ping;
  ping.name = "ping";
  ping.attributes = {{"ident", split_brain_->settings().ident}};
  ping.children = {to};
  ping.line = to.line;
  ping.path = to.path;
  auto module_log = log_;
  auto context = std::make_shared<BasicHostContext>(
      [module_log](LogLevel level, std::string_view msg) { module_log->log(to_spdlog(level), "{}", msg); },
      split_brain_->resource());
  context->with_config(ping);
  // The witnesses are pinged by whichever plugin owns <ping>, as a <ping> checker would be.
  const auto catalog = load_checker_catalog(plugins_, context);
  const CheckerOwner* ping_owner = catalog.find(CheckerSection::check, "ping");
  if (ping_owner == nullptr) {
    detail = "no checker plugin owns <ping>, which pings the witnesses (`haven plugins list`)";
    return false;
  }
  auto checker = plugins_.make_checker(ping_owner->plugin, context);
  if (!checker.ok()) {
    detail = checker.error().message;
    return false;
  }
  auto result = (*checker)->probe(timeout);
  if (!result.ok()) {
    detail = result.error().message;
    return false;
  }
  detail = result->reason;
  return result->up;
}

bool ModuleAgent::before_administrator_command(const CommandEvent& event) {
  if (!split_brain_ || (event.command != Command::prim && event.command != Command::primforce)) return false;
  auto steps = split_brain_->release_for_administrator(to_string(event.command));
  if (!steps.release) return false;
  for (const auto& [level, message] : steps.log) log_->log(to_spdlog(level), "{}", message);
  for (const auto& [name, value] : steps.resources)
    if (resources_.set_by_host(name, value, std::chrono::system_clock::now()))
      log_->info("Resource {} set to {} by the administrator's {}", name, value, to_string(event.command));
  const auto state = behaviour_->state();
  const auto sub = behaviour_->sub_state();
  feed(CommandEvent{Command::wait_off, false, checks::kSplitBrainHold});
  if (held_by_rule_ == checks::kSplitBrainHold) held_by_rule_.clear();
  // A node whose data is up to date goes on by itself once released: prim would then only
  // be refused as "busy". It is the administrator's command that did it: say so.
  const bool went_on = behaviour_->state() != state || behaviour_->sub_state() != sub || hook_running();
  if (went_on)
    last_reply_ = CommandReply{event.command, true,
                               "the split-brain hold of module " + options_.module +
                                   " ends: this node goes on without its peer"};
  return went_on;
}

}  // namespace haven
