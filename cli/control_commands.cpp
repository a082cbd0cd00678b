// Module control: start, stop, prim, ... and state, sent to this node's havend.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <thread>

#include "cli_context.hpp"
#include "control/command_registry.hpp"
#include "haven/behaviour.hpp"
#include "replication_format.hpp"
#include "state/module_status.hpp"

namespace haven::cli {
namespace {

struct ControlOptions {
  std::string module;
  std::string identity;
  bool no_wait = false;
  int timeout_s = 900;
  std::string arg;  // fullsync for prim/second
  bool force = false;  // prim --force = primforce
};

// havend's answer to state: every module asked about (one with -m), read into ModuleStatus.
Result<std::vector<ModuleStatus>> query_state(const CliContext& ctx, const std::string& module) {
  ControlRequest req;
  req.command = "state";
  req.module = module;
  auto r = ctx.ask_daemon(req);
  if (!r.ok()) return std::move(r).error();
  if (!r->ok) return fail(r->code, r->message);
  return module_statuses_from_json(r->data);
}

// The state of one module: the single entry of `state -m MODULE`.
Result<ModuleStatus> query_module_state(const CliContext& ctx, const std::string& module) {
  auto st = query_state(ctx, module);
  if (!st.ok()) return std::move(st).error();
  if (st->empty()) return fail(Errc::not_found, "module " + module + " has no state");
  return std::move(st->front());
}

// Waits until the module is settled (not Transient) — or, for stop, in STOP.
Result<ModuleStatus> wait_settled(const CliContext& ctx, const std::string& module, bool want_stop, int timeout_s,
                                  bool show_progress) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::string last_shown;
  for (;;) {
    auto m = query_module_state(ctx, module);
    if (!m.ok()) return m;
    const std::string state = to_string(m->state);
    const std::string sub = to_string(m->substate);
    bool settled = want_stop ? m->state == ModuleState::stop : m->substate != SubState::transient;
    if (settled) return m;
    if (show_progress) {
      std::string line = state + " " + sub + (m->hook ? " (running " + *m->hook + ")" : "");
      if (line != last_shown) {
        std::cerr << "  " << module << ": " << line << "\n";
        last_shown = line;
      }
    }
    if (std::chrono::steady_clock::now() > deadline)
      return fail(Errc::timeout, "module " + module + " is still " + state + " " + sub + " after " +
                                     std::to_string(timeout_s) + " s; see haven log -m " + module);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Under a module's line with -v: the virtual IPs this node holds, then every resource with
// its value, since when and who set it.
void print_module_details(const ModuleStatus& m) {
  if (m.vips) {
    if (m.vips->empty()) {
      std::cout << "    virtual IPs: none held on this node\n";
    } else {
      for (const auto& v : *m.vips)
        std::cout << "    virtual IP " << v.address << "/" << v.prefix << " held on " << v.interface << " by this node\n";
    }
  }
  if (!m.resources) return;
  for (const auto& r : *m.resources) {
    const std::time_t since = static_cast<std::time_t>(r.since_ms / 1000);
    std::tm local{};
    ::localtime_r(&since, &local);
    std::cout << "    " << std::left << std::setw(30) << r.resource << std::setw(9) << r.value << "since "
              << std::put_time(&local, "%Y-%m-%d %H:%M:%S") << "  by " << r.set_by << "\n";
  }
  if (!m.peer_resources) return;
  for (const auto& [name, value] : *m.peer_resources)
    std::cout << "    " << std::left << std::setw(30) << ("remote." + name) << std::setw(9) << value
              << "from the peer's heartbeats\n";
}

void print_state_table(const std::vector<ModuleStatus>& list, bool verbose) {
  std::cout << std::left << std::setw(20) << "MODULE" << std::setw(8) << "STATE" << std::setw(11) << "SUBSTATE"
            << std::setw(10) << "UPTODATE" << std::setw(8) << "ROLE" << "GEN";
  if (verbose) std::cout << "  REASON";
  std::cout << "\n";
  for (const auto& m : list) {
    std::cout << std::left << std::setw(20) << m.module << std::setw(8) << to_string(m.state) << std::setw(11)
              << to_string(m.substate) << std::setw(10) << (m.uptodate.value_or(false) ? "yes" : "no") << std::setw(8)
              << to_string(m.role.value_or(Role::none)) << m.generation.value_or(0);
    if (verbose) {
      std::cout << "  " << m.reason;
      if (m.hook) std::cout << " [running " << *m.hook << "]";
      if (m.error) std::cout << " [" << *m.error << "]";
    }
    std::cout << "\n";
    if (m.load)
      for (const auto& g : *m.load) {
        const auto buckets = std::max<std::uint64_t>(1, g.buckets);
        std::string members;
        for (const auto& n : g.members) members += (members.empty() ? "" : " ") + n;
        std::cout << "    load " << g.group << ": " << g.owned << "/" << buckets << " buckets ("
                  << (g.owned * 100 + buckets / 2) / buckets << "%), shared by " << (members.empty() ? "nobody" : members)
                  << "\n";
      }
    if (m.replication) {
      std::cout << "    " << replication_line(*m.replication) << "\n";
      if (verbose) std::cout << replication_directory_lines(*m.replication, "      ");
    }
    if (verbose) print_module_details(m);
  }
}

void add_module_control(CLI::App& app, CliContext& ctx, const std::string& name, const std::string& help,
                        bool want_stop, bool takes_fullsync) {
  auto opts = std::make_shared<ControlOptions>();
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("-m", opts->module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  cmd->add_option("-i", opts->identity, "Who asks (a checker or hook); counts against maxloop")->type_name("IDENTITY");
  cmd->add_flag("--no-wait", opts->no_wait, "Return once the command is accepted, without waiting for the module to settle");
  cmd->add_option("--timeout", opts->timeout_s, "Seconds to wait for the module to settle")->default_val(900);
  if (takes_fullsync) cmd->add_option("mode", opts->arg, "fullsync: resynchronise all data")->check(CLI::IsMember({"fullsync"}));
  if (name == "prim")
    cmd->add_flag("--force", opts->force,
                  "Same as primforce: primary even if this node's data is not known to be up to date");
  cmd->callback([&ctx, opts, name, want_stop] {
    auto module = module_or_env(opts->module, name);
    if (!module.ok()) return ctx.report_error(module.error());
    ControlRequest req;
    req.command = opts->force ? "primforce" : name;
    req.module = *module;
    if (!opts->identity.empty()) req.args["identity"] = opts->identity;
    if (opts->arg == "fullsync") req.args["fullsync"] = true;
    auto r = ctx.ask_daemon(req, 200);
    if (!r.ok()) return ctx.report_error(r.error());
    if (!r->ok) return ctx.report_error(Error{r->code, r->message});
    // A hook calling `safekit stop` on its own module must not wait for itself.
    bool inside_own_hook = std::getenv("SAFEMODULE") != nullptr && *module == std::getenv("SAFEMODULE");
    // The agent answers with the module's state; havend alone (a stop of a stopped module) with none.
    std::optional<ModuleStatus> final_state;
    if (r->data.is_object()) {
      auto replied = module_status_from_json(r->data);
      if (!replied.ok())
        return ctx.report_error(fail(replied.error().code, "module " + *module + ": " + req.command +
                                                               " was accepted, but the answer is not a module state: " +
                                                               replied.error().message));
      final_state = std::move(replied).value();
    }
    if (!opts->no_wait && !inside_own_hook) {
      auto settled = wait_settled(ctx, *module, want_stop, opts->timeout_s, !ctx.json);
      if (!settled.ok()) return ctx.report_error(settled.error());
      final_state = std::move(settled).value();
      // A start that ends in STOP failed (a hook failed): say so in the exit code.
      if (!want_stop && final_state->state == ModuleState::stop)
        return ctx.report_error(fail(Errc::refused, "module " + *module + " did not start, it is STOP: " +
                                                        final_state->reason + "; see haven log -m " + *module));
    }
    if (ctx.json) {
      ctx.print_json({{"ok", true}, {"message", r->message}, {"state", final_state ? to_json(*final_state) : r->data}});
    } else {
      std::cout << *module << ": " << r->message;
      if (final_state) std::cout << " -> " << to_string(final_state->state) << " " << to_string(final_state->substate);
      std::cout << "\n";
      if (final_state && final_state->substate == SubState::not_ready && !final_state->reason.empty())
        std::cout << "  " << final_state->reason << "\n";
    }
  });
}

void add_wait_command(CLI::App& app, CliContext& ctx, const std::string& name, const std::string& help,
                      std::optional<std::string> fixed_state) {
  auto module = std::make_shared<std::string>();
  auto state = std::make_shared<std::string>();
  auto timeout = std::make_shared<int>(900);
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("-m", *module, "The module (default: $SAFEMODULE)")->type_name("MODULE");
  cmd->add_option("--timeout", *timeout, "Seconds to wait")->default_val(900);
  if (!fixed_state)
    cmd->add_option("state", *state, "STOP, WAIT, ALONE, PRIM, SECOND or UP")
        ->required()
        ->check(CLI::IsMember({"STOP", "WAIT", "ALONE", "PRIM", "SECOND", "UP"}, CLI::ignore_case));
  cmd->callback([&ctx, module, state, timeout, fixed_state, name] {
    auto m = module_or_env(*module, name);
    if (!m.ok()) return ctx.report_error(m.error());
    std::string want = fixed_state ? *fixed_state : *state;
    for (auto& c : want) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*timeout);
    for (;;) {
      auto cur = query_module_state(ctx, *m);
      if (!cur.ok()) return ctx.report_error(cur.error());
      const std::string s = to_string(cur->state);
      // WAIT settles as NotReady (blocked until something changes), the others as Ready.
      const auto sub = cur->substate;
      bool ready = sub == SubState::ready || cur->state == ModuleState::stop ||
                   (cur->state == ModuleState::wait && sub == SubState::not_ready);
      bool reached = want == "RUNNING" ? (ready && (s == "ALONE" || s == "PRIM" || s == "SECOND" || s == "UP"))
                                       : (s == want && ready);
      if (reached) {
        if (ctx.json) ctx.print_json(to_json(*cur));
        else std::cout << *m << ": " << s << "\n";
        return;
      }
      if (std::chrono::steady_clock::now() > deadline)
        return ctx.report_error(fail(Errc::timeout, "module " + *m + " is " + s + ", not " + want + ", after " +
                                                        std::to_string(*timeout) + " s"));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

}  // namespace

void add_control_commands(CLI::App& app, CliContext& ctx) {
  for (const auto& spec : command_registry()) {
    if (!spec.behaviour) continue;
    add_module_control(app, ctx, std::string(spec.name), std::string(spec.summary), spec.stops, spec.takes_fullsync);
  }

  auto module = std::make_shared<std::string>();
  auto verbose = std::make_shared<bool>(false);
  auto l_flag = std::make_shared<bool>(false);
  auto q_flag = std::make_shared<bool>(false);
  auto* state = app.add_subcommand("state", summary_of("state"));
  state->add_option("-m", *module, "Only this module")->type_name("MODULE");
  state->add_flag("-v", *verbose, "Also show why each module is in its state, its resources (value, since when, set by whom), the peer's as rules read them (remote.*) and the virtual IPs this node holds");
  state->add_flag("-l", *l_flag, "With -q (-lq): print nothing, exit with the state's code: STOP 0, WAIT 1, ALONE/UP 2, PRIM 3, SECOND 4");
  state->add_flag("-q", *q_flag, "Quiet; see -l");
  state->callback([&ctx, module, verbose, l_flag, q_flag] {
    auto st = query_state(ctx, *module);
    if (!st.ok()) return ctx.report_error(st.error());
    if (*l_flag && *q_flag) {
      if (module->empty()) return ctx.report_error(fail(Errc::invalid_argument, "state -lq needs one module: -m NAME"));
      if (st->empty()) return ctx.report_error(fail(Errc::not_found, "module " + *module + " has no state"));
      ctx.exit_code = state_exit_code(st->front().state);
      return;
    }
    if (ctx.json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& m : *st) list.push_back(to_json(m));
      return ctx.print_json(list);
    }
    if (st->empty()) {
      std::cout << "no module installed (haven module install FILE.safe)\n";
      return;
    }
    print_state_table(*st, *verbose);
  });

  add_wait_command(app, ctx, "waitstart", summary_of("waitstart"), std::string("RUNNING"));
  add_wait_command(app, ctx, "waitstop", summary_of("waitstop"), std::string("STOP"));
  add_wait_command(app, ctx, "waitstate", summary_of("waitstate"), std::nullopt);
}

}  // namespace haven::cli
