#include "module_store/module_configuration.hpp"

#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"
#include "common/module_log.hpp"
#include "common/process_environment.hpp"
#include "config/cluster_config_file.hpp"
#include "config/user_config_loader.hpp"
#include "hooks/hook_environment.hpp"
#include "hooks/hook_files.hpp"
#include "module_store/dated_archives.hpp"
#include "module_store/dynamic_change.hpp"
#include "module_store/module_store.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"

namespace haven {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAppliedCopy = "userconfig.xml";
constexpr const char* kAppliedRecord = "applied.json";

std::string iso_utc(std::chrono::system_clock::time_point at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The applied record, when there is one that reads.
std::optional<nlohmann::json> applied_record(const HavenPaths& paths, const std::string& module) {
  auto text = read_file(applied_config_dir(paths, module) / kAppliedRecord);
  if (!text.ok()) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("signature") || !j["signature"].is_string()) return std::nullopt;
  return j;
}

// What hooks need from the module's configuration: whether they run, their environment,
// their time bound.
struct HookContext {
  bool enabled = false;
  std::map<std::string, std::string> env;
  std::optional<std::chrono::milliseconds> timeout;
  fs::path bin_dir;
  fs::path user_log;
};

HookContext hook_context(const HavenPaths& paths, const std::string& module, const fs::path& module_dir,
                         const config::LoadedUserConfig& loaded, const ConfigHookSettings& settings) {
  HookContext ctx;
  HookEnvironmentInputs inputs;
  inputs.module = module;
  if (loaded.config && loaded.config->user) {
    ctx.enabled = true;
    ctx.timeout = loaded.config->user->forcestoptimeout;
    for (const auto& v : loaded.config->user->vars) inputs.user_vars.emplace_back(v.name, v.value);
  }
  ctx.env = hook_environment(paths, inputs);
  if (!settings.node.empty()) ctx.env["HAVEN_NODE"] = settings.node;
  ctx.bin_dir = module_dir / "bin";
  ctx.user_log = module_log_files(paths, module).user_log;
  return ctx;
}

// Runs `hook` when the module has it: nullopt when absent.
Result<std::optional<ConfigHookRun>> run_hook(const std::string& module, const std::string& hook, const HookContext& ctx,
                                              const ConfigHookSettings& settings) {
  auto file = find_hook(ctx.bin_dir, hook, settings.script_extensions);
  if (!file.ok()) return fail(file.error().code, "module " + module + ": " + file.error().message);
  if (!*file) return std::optional<ConfigHookRun>{};
  HookSpec spec;
  spec.module = module;
  spec.hook = hook;
  spec.file = **file;
  spec.env = ctx.env;
  spec.timeout = ctx.timeout;
  spec.user_log = ctx.user_log;
  // As at start: hooks find $SAFEUSERVAR and the log folder made.
  std::error_code ec;
  fs::create_directories(ctx.user_log.parent_path(), ec);
  fs::create_directories(ctx.env.at("SAFEUSERVAR"), ec);
  auto outcome = HookRunner(settings.runner).run(spec);
  if (!outcome.ok()) return fail(outcome.error().code, "module " + module + ": cannot run its " + hook + " hook " +
                                                         spec.file.string() + ": " + outcome.error().message);
  ConfigHookRun run;
  run.hook = hook;
  run.file = spec.file;
  run.exit_code = outcome->exit_code;
  run.timed_out = outcome->timed_out;
  run.output_tail = outcome->output_tail;
  return std::optional<ConfigHookRun>{run};
}

std::string hook_failure(const std::string& module, const ConfigHookRun& run) {
  std::string msg = "module " + module + ": its " + run.hook + " hook " + run.file.string() +
                    (run.timed_out ? " was killed at its timeout (<user forcestoptimeout>)"
                                   : " failed with exit code " + std::to_string(run.exit_code));
  if (!run.output_tail.empty()) msg += "; its last output:\n" + run.output_tail;
  return msg;
}

// Makes `text` the module's active configuration: its copy, the lastconfig archive, then the
// record (last: it is what makes the configuration active).
Status record_applied(const HavenPaths& paths, ModuleStore& store, const std::string& module, const std::string& text,
                      std::chrono::system_clock::time_point now, ConfigureOutcome& outcome) {
  const auto dir = applied_config_dir(paths, module);
  if (auto st = write_file_atomically(dir / kAppliedCopy, text); !st.ok()) return st;
  auto archive = write_dated_module_archive(store, module, lastconfig_dir(paths), now, kLastConfigsKept);
  if (!archive.ok()) return std::move(archive).error();
  outcome.lastconfig = archive->file;
  outcome.lastconfig_removed = archive->removed;
  const nlohmann::json record{{"module", module},
                              {"signature", outcome.signature},
                              {"applied_at", iso_utc(now)},
                              {"lastconfig", archive->file.string()}};
  return write_file_atomically(dir / kAppliedRecord, record.dump(2) + "\n");
}

}  // namespace

std::string module_config_signature(const std::string& text) { return config::cluster_config_signature(text); }

fs::path applied_config_dir(const HavenPaths& paths, const std::string& module) {
  return paths.module_var_dir(module) / "applied";
}

std::vector<std::string> installed_script_extensions() {
  PluginHost plugins;
  plugins.scan(PluginHost::default_search_path());
  std::vector<std::string> out;
  for (const auto& info : plugins.plugins()) {
    if (info.kind != kKindScriptEngine) continue;
    auto engine = plugins.make_script_engine(info.name, std::make_shared<BasicHostContext>());
    if (!engine.ok()) continue;
    for (const auto& ext : (*engine)->extensions())
      if (std::find(out.begin(), out.end(), ext) == out.end()) out.push_back(ext);
  }
  return out;
}

Result<ConfigurationInfo> configuration_info(const HavenPaths& paths, const std::string& module) {
  auto entry = ModuleStore(paths).find(module);
  if (!entry.ok()) return std::move(entry).error();
  auto text = read_file(entry->dir / "conf" / "userconfig.xml");
  if (!text.ok()) return std::move(text).error();
  ConfigurationInfo info;
  info.module = module;
  info.current = module_config_signature(*text);
  if (auto record = applied_record(paths, module)) {
    info.active = (*record)["signature"].get<std::string>();
    if (record->contains("applied_at") && (*record)["applied_at"].is_string())
      info.applied_at = (*record)["applied_at"].get<std::string>();
  }
  return info;
}

Result<ConfigureOutcome> configure_module(const HavenPaths& paths, const std::string& module,
                                          const ConfigurationCheck& check, const ConfigHookSettings& hooks,
                                          std::chrono::system_clock::time_point now) {
  ModuleStore store(paths);
  auto entry = store.find(module);
  if (!entry.ok()) return std::move(entry).error();
  const auto file = entry->dir / "conf" / "userconfig.xml";
  auto text = read_file(file);
  if (!text.ok()) return std::move(text).error();
  if (check)
    if (auto st = check(*text, file.string()); !st.ok()) return std::move(st).error();
  auto loaded = config::parse_user_config(*text, file.string(), process_environment());
  if (!loaded.config) {
    std::string msg = "module " + module + ": " + file.string() + " has errors; nothing was applied:";
    for (const auto& d : loaded.diagnostics)
      if (d.severity == config::Severity::error) msg += "\n  " + d.to_string();
    return fail(Errc::invalid_argument, msg);
  }

  ConfigureOutcome outcome;
  outcome.module = module;
  outcome.signature = module_config_signature(*text);
  if (auto record = applied_record(paths, module)) outcome.previous = (*record)["signature"].get<std::string>();
  const auto ctx = hook_context(paths, module, entry->dir, loaded, hooks);
  outcome.hooks_enabled = ctx.enabled;

  if (ctx.enabled) {
    auto run = run_hook(module, "config", ctx, hooks);
    if (!run.ok()) return std::move(run).error();
    if (*run) {
      if (!(*run)->ok())
        return fail(Errc::refused, hook_failure(module, **run) + "\nthe configuration was not applied");
      outcome.hooks.push_back(**run);
    }
  }

  if (auto st = record_applied(paths, store, module, *text, now, outcome); !st.ok()) return std::move(st).error();

  if (ctx.enabled) {
    auto run = run_hook(module, "postconfig", ctx, hooks);
    if (!run.ok()) {
      outcome.postconfig_error = run.error().message;
    } else if (*run) {
      outcome.hooks.push_back(**run);
      if (!(*run)->ok()) outcome.postconfig_error = hook_failure(module, **run);
    }
  }
  return outcome;
}

Result<ConfigureOutcome> update_module_configuration(const HavenPaths& paths, const std::string& module,
                                                     const ConfigurationCheck& check, const ConfigHookSettings& hooks,
                                                     std::chrono::system_clock::time_point now) {
  ModuleStore store(paths);
  auto entry = store.find(module);
  if (!entry.ok()) return std::move(entry).error();
  const auto file = entry->dir / "conf" / "userconfig.xml";
  auto text = read_file(file);
  if (!text.ok()) return std::move(text).error();
  auto applied = read_file(applied_config_dir(paths, module) / kAppliedCopy);
  auto record = applied_record(paths, module);
  if (!applied.ok() || !record)
    return fail(Errc::refused, "module " + module + " has no applied configuration to update: stop it, then haven config -m " + module);
  ConfigureOutcome outcome;
  outcome.module = module;
  outcome.signature = module_config_signature(*text);
  outcome.previous = (*record)["signature"].get<std::string>();
  if (outcome.signature == *outcome.previous)
    return fail(Errc::refused, "module " + module + ": " + file.string() + " is the active configuration (" +
                                   outcome.signature + "); nothing to update");
  if (check)
    if (auto st = check(*text, file.string()); !st.ok()) return std::move(st).error();
  auto loaded = config::parse_user_config(*text, file.string(), process_environment());
  if (!loaded.config) return fail(Errc::invalid_argument, "module " + module + ": " + file.string() + " has errors; nothing was updated");
  auto refused = changes_refused_while_running(*applied, *text, file.string());
  if (!refused.ok()) return std::move(refused).error();
  if (!refused->empty()) {
    std::string which;
    for (const auto& r : *refused) which += (which.empty() ? "" : ", ") + r;
    return fail(Errc::refused, "module " + module + ": " + which + " changed, which cannot be applied while the module runs "
                               "(only <service boot|boot_delay|maxloop|loop_interval|automatic_reboot>, <heart>, <user>, "
                               "<errd>, <check>, <rfs async|nbrei|reitimeout|reidetail> and <rfs><flow> can): stop it, "
                               "then haven config -m " + module);
  }
  const auto ctx = hook_context(paths, module, entry->dir, loaded, hooks);
  outcome.hooks_enabled = ctx.enabled;
  if (ctx.enabled) {
    auto run = run_hook(module, "update", ctx, hooks);
    if (!run.ok()) return std::move(run).error();
    if (*run) {
      if (!(*run)->ok()) return fail(Errc::refused, hook_failure(module, **run) + "\nthe configuration was not updated");
      outcome.hooks.push_back(**run);
    }
  }
  if (auto st = record_applied(paths, store, module, *text, now, outcome); !st.ok()) return std::move(st).error();
  return outcome;
}

Result<DeconfigureOutcome> deconfigure_module(const HavenPaths& paths, const std::string& module,
                                              const ConfigHookSettings& hooks) {
  auto entry = ModuleStore(paths).find(module);
  if (!entry.ok()) return std::move(entry).error();
  DeconfigureOutcome outcome;
  outcome.module = module;
  if (auto record = applied_record(paths, module)) outcome.forgotten = (*record)["signature"].get<std::string>();
  // The hook sees the configuration it was applied with, when there is one.
  auto applied_copy = applied_config_dir(paths, module) / kAppliedCopy;
  std::error_code ec;
  const auto file = fs::exists(applied_copy, ec) ? applied_copy : entry->dir / "conf" / "userconfig.xml";
  const auto loaded = config::load_user_config(file, process_environment());
  const auto ctx = hook_context(paths, module, entry->dir, loaded, hooks);
  if (ctx.enabled) {
    auto run = run_hook(module, "deconfig", ctx, hooks);
    if (!run.ok()) return std::move(run).error();
    if (*run) {
      if (!(*run)->ok()) return fail(Errc::refused, hook_failure(module, **run) + "\nthe configuration is still active");
      outcome.hooks.push_back(**run);
    }
  }
  fs::remove_all(applied_config_dir(paths, module), ec);
  if (ec)
    return fail(Errc::io_error, "module " + module + ": cannot remove " + applied_config_dir(paths, module).string() + ": " + ec.message());
  return outcome;
}

nlohmann::json to_json(const ConfigurationInfo& info) {
  nlohmann::json j{{"module", info.module}, {"current", info.current}, {"differs", info.differs()}};
  j["active"] = info.active ? nlohmann::json(*info.active) : nlohmann::json(nullptr);
  j["applied_at"] = info.applied_at ? nlohmann::json(*info.applied_at) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json to_json(const ConfigHookRun& run) {
  return {{"hook", run.hook}, {"file", run.file.string()}, {"exit_code", run.exit_code}, {"timed_out", run.timed_out}};
}

nlohmann::json to_json(const ConfigureOutcome& outcome) {
  nlohmann::json hooks = nlohmann::json::array();
  for (const auto& h : outcome.hooks) hooks.push_back(to_json(h));
  nlohmann::json removed = nlohmann::json::array();
  for (const auto& r : outcome.lastconfig_removed) removed.push_back(r.string());
  nlohmann::json j{{"module", outcome.module},           {"signature", outcome.signature},
                   {"lastconfig", outcome.lastconfig.string()}, {"lastconfig_removed", removed},
                   {"hooks", hooks},                     {"hooks_enabled", outcome.hooks_enabled},
                   {"ok", outcome.postconfig_error.empty()}};
  j["previous"] = outcome.previous ? nlohmann::json(*outcome.previous) : nlohmann::json(nullptr);
  if (!outcome.postconfig_error.empty()) j["postconfig_error"] = outcome.postconfig_error;
  return j;
}

nlohmann::json to_json(const DeconfigureOutcome& outcome) {
  nlohmann::json hooks = nlohmann::json::array();
  for (const auto& h : outcome.hooks) hooks.push_back(to_json(h));
  nlohmann::json j{{"module", outcome.module}, {"hooks", hooks}, {"ok", true}};
  j["forgotten"] = outcome.forgotten ? nlohmann::json(*outcome.forgotten) : nlohmann::json(nullptr);
  return j;
}

}  // namespace haven
