#include "config/user_config_loader.hpp"

#include <algorithm>

#include "common/atomic_file.hpp"
#include "config/config_tree.hpp"
#include "config/macro_expansion.hpp"
#include "config/not_acted_on.hpp"
#include "config/placeholders.hpp"
#include "config/user_config_sections.hpp"

namespace haven::config {
namespace {

void read_macros(ElementReader& safe, Diagnostics& diags) {
  for (const ConfigNode* macro : safe.children("macro")) {
    ElementReader m(*macro, diags);
    m.accept_attribute("name");
    m.accept_attribute("value");
    m.finish();
  }
}

void read_service_children(const ConfigNode& node, UserConfig& config, Diagnostics& diags, ElementReader& r) {
  const ServiceMode mode = config.service.mode;
  const std::string mode_name = to_string(mode);
  if (const ConfigNode* n = r.unique_child("heart")) {
    if (mode != ServiceMode::mirror)
      diags.warning(*n, "<heart> applies to mirror modules only; a " + mode_name +
                            " module ignores it (a farm's membership is set by <farm>)");
    config.heart = read_heart(*n, diags);
  }
  if (const ConfigNode* n = r.unique_child("farm")) {
    if (mode == ServiceMode::mirror)
      diags.warning(*n, "<farm> applies to farm modules only; this mirror module ignores it");
    config.farm = read_farm(*n, diags);
  }
  if (const ConfigNode* n = r.unique_child("rfs")) {
    // An error, not a warning: the administrator expects data to be replicated and it would not be.
    if (mode != ServiceMode::mirror)
      diags.error(*n, "<rfs> (file replication) works in mirror modules only; a " + mode_name +
                          " module never replicates. Remove <rfs> or use mode=\"mirror\"");
    config.rfs = read_rfs(*n, diags);
  }
  if (const ConfigNode* n = r.unique_child("vip")) config.vip = read_vip(*n, mode, diags);
  if (const ConfigNode* n = r.unique_child("user")) config.user = read_user(*n, diags);
  if (const ConfigNode* n = r.unique_child("vhost")) config.vhost = read_vhost(*n, diags);
  if (const ConfigNode* n = r.unique_child("errd")) config.errd = read_errd(*n, diags);
  if (const ConfigNode* n = r.unique_child("check")) config.check = read_check(*n, diags);
  if (const ConfigNode* n = r.unique_child("failover")) config.failover = read_failover(*n, diags);
  (void)node;
}

}  // namespace

bool LoadedUserConfig::has_errors() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

LoadedUserConfig parse_user_config(std::string_view xml_text, const std::string& file_label,
                                   const std::map<std::string, std::string>& env) {
  Diagnostics diags(file_label);
  LoadedUserConfig out;
  std::optional<ConfigNode> tree = read_config_tree(xml_text, "safe", diags);
  if (tree) {
    UserConfig config;
    config.macros = expand_macros(*tree, env, diags);
    ElementReader safe(*tree, diags);
    read_macros(safe, diags);
    auto services = safe.children("service");
    if (services.empty()) {
      diags.error(*tree, "no <service> element; expected <safe><service mode=\"mirror\">...</service></safe>");
    } else {
      for (std::size_t i = 1; i < services.size(); ++i)
        diags.error(*services[i], "a second <service> (the first is on line " + std::to_string(services[0]->line) +
                                      "); expected exactly one <service> per module");
      ElementReader service(*services[0], diags);
      config.service = read_service_attributes(service);
      read_service_children(*services[0], config, diags, service);
      service.finish();
    }
    safe.finish();
    config.placeholders = find_placeholders(*tree);
    for (const auto& p : config.placeholders)
      diags.add(Severity::warning, p.line, p.path,
                "\"" + p.value + "\" is a template placeholder; replace it with " + p.what +
                    " (the module will not start until you do)");
    warn_not_acted_on(*tree, diags);
    config.document = std::move(*tree);
    if (!diags.has_errors()) out.config = std::move(config);
  }
  out.diagnostics = diags.take();
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
  return out;
}

LoadedUserConfig load_user_config(const std::filesystem::path& file, const std::map<std::string, std::string>& env) {
  auto text = read_file(file);
  if (!text) {
    LoadedUserConfig out;
    out.diagnostics.push_back(Diagnostic{Severity::error, file.string(), 0, "",
                                         "cannot read the configuration: " + text.error().message});
    return out;
  }
  return parse_user_config(*text, file.string(), env);
}

const char* to_string(ServiceMode m) noexcept {
  switch (m) {
    case ServiceMode::mirror: return "mirror";
    case ServiceMode::farm: return "farm";
    case ServiceMode::light: return "light";
  }
  return "mirror";
}

const char* to_string(FailureAction a) noexcept {
  switch (a) {
    case FailureAction::restart: return "restart";
    case FailureAction::stopstart: return "stopstart";
    case FailureAction::stop: return "stop";
    case FailureAction::noaction: return "noaction";
    case FailureAction::wait: return "wait";
    case FailureAction::swap: return "swap";
    case FailureAction::handler: return "handler";
  }
  return "noaction";
}

const char* to_string(ActiveWhen w) noexcept {
  switch (w) {
    case ActiveWhen::prim: return "prim";
    case ActiveWhen::second: return "second";
    case ActiveWhen::both: return "both";
    case ActiveWhen::pre: return "pre";
    case ActiveWhen::sec: return "sec";
    case ActiveWhen::custom: return "custom";
  }
  return "prim";
}

}  // namespace haven::config
