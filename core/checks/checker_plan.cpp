#include "checks/checker_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace haven::checks {
namespace {

config::Diagnostic from_plugin(const ConfigDiagnostic& d, const std::string& fallback_file) {
  return config::Diagnostic{
      d.severity == ConfigSeverity::error ? config::Severity::error : config::Severity::warning,
      d.file.empty() ? fallback_file : d.file, d.line, d.path, d.message};
}

config::Diagnostic at(const ConfigNode& node, std::string message, const std::string& attribute = {}) {
  return config::Diagnostic{config::Severity::error, node.file, node.line,
                            node.path + (attribute.empty() ? "" : "@" + attribute), std::move(message)};
}

std::optional<config::ActiveWhen> when_named(const std::string& word) {
  static const std::map<std::string, config::ActiveWhen> words{{"prim", config::ActiveWhen::prim},
                                                               {"second", config::ActiveWhen::second},
                                                               {"both", config::ActiveWhen::both},
                                                               {"pre", config::ActiveWhen::pre}};
  auto it = words.find(word);
  return it == words.end() ? std::nullopt : std::optional(it->second);
}

std::optional<config::FailureAction> action_named(const std::string& word) {
  static const std::map<std::string, config::FailureAction> words{
      {"restart", config::FailureAction::restart}, {"stopstart", config::FailureAction::stopstart},
      {"stop", config::FailureAction::stop},       {"noaction", config::FailureAction::noaction},
      {"wait", config::FailureAction::wait},       {"swap", config::FailureAction::swap}};
  auto it = words.find(word);
  return it == words.end() ? std::nullopt : std::optional(it->second);
}

// Asks the owner of `node` to validate it; nullptr (with a diagnostic) when no plugin owns it.
const CheckerOwner* bind(const ConfigNode& node, CheckerSection section, const CheckerCatalog& catalog,
                         const std::string& file, CheckerPlan& plan, CheckerConfiguration& configured) {
  const CheckerOwner* owner = catalog.find(section, node.name);
  const char* where = section == CheckerSection::check ? "check" : "errd";
  if (owner == nullptr) {
    const std::string known = catalog.elements(section);
    plan.diagnostics.push_back(
        at(node, "no checker plugin owns <" + node.name + "> inside <" + where + ">; expected one of: " +
                     (known.empty() ? "(no checker plugin is loaded)" : known) +
                     (section == CheckerSection::check ? ", custom, splitbrain" : "") +
                     ". Install the plugin that provides it (`haven plugins list` shows the loaded ones) or "
                     "remove the element"));
    return nullptr;
  }
  configured = owner->factory->configure(node);
  for (const auto& d : configured.diagnostics) plan.diagnostics.push_back(from_plugin(d, file));
  return owner;
}

void plan_check(const config::CheckConfig& check, const ConfigNode& check_node, const CheckerCatalog& catalog,
                const std::string& file, CheckerPlan& plan) {
  // read_check keeps one entry per child, in document order.
  for (std::size_t i = 0; i < check.checkers.size() && i < check_node.children.size(); ++i) {
    const config::Checker& checker = check.checkers[i];
    const ConfigNode& node = check_node.children[i];
    if (checker.element == "custom" || checker.element == "splitbrain") continue;
    CheckerConfiguration configured;
    const CheckerOwner* owner = bind(node, CheckerSection::check, catalog, file, plan, configured);
    if (owner == nullptr) continue;
    const CheckerSchema& schema = owner->schema();
    if (checker.ident.empty() && schema.ident_required) {
      plan.diagnostics.push_back(at(node, "<" + node.name + "> has no ident attribute; expected ident=\"NAME\", which "
                                          "names the resource " + schema.resource_class + ".NAME"));
      continue;
    }
    CheckerSpec spec;
    spec.id = checker.ident.empty() ? configured.default_id : checker.ident;
    if (spec.id.empty()) {
      if (configured.ok())
        plan.diagnostics.push_back(at(node, "<" + node.name + "> names no resource: " + owner->plugin +
                                                " offers no name for it; expected ident=\"NAME\""));
      continue;
    }
    const auto when = checker.when ? checker.when : when_named(schema.default_when);
    const auto action = checker.action ? checker.action : action_named(schema.default_action);
    if (!when || !action) {
      plan.diagnostics.push_back(at(node, "checker plugin " + owner->plugin + " declares default when=\"" +
                                              schema.default_when + "\" and action=\"" + schema.default_action +
                                              "\"; expected prim|second|both|pre and "
                                              "wait|restart|stopstart|stop|swap|noaction: write both on the element"));
      continue;
    }
    spec.resource_class = schema.resource_class;
    spec.resource = spec.resource_class + "." + spec.id;
    spec.plugin = owner->plugin;
    spec.element = node;
    spec.interval = checker.interval;
    spec.timeout = checker.timeout;
    spec.when = *when;
    spec.action = *action;
    spec.rule_prefix = schema.rule_prefix;
    spec.line = checker.line;
    plan.checkers.push_back(std::move(spec));
  }
}

void plan_errd(const config::ErrdConfig& errd, const ConfigNode& errd_node, const CheckerCatalog& catalog,
               const std::string& file, CheckerPlan& plan) {
  for (std::size_t i = 0; i < errd.procs.size() && i < errd_node.children.size(); ++i) {
    const config::ErrdProc& proc = errd.procs[i];
    const ConfigNode& node = errd_node.children[i];
    CheckerConfiguration configured;
    const CheckerOwner* owner = bind(node, CheckerSection::errd, catalog, file, plan, configured);
    if (owner == nullptr || proc.name.empty()) continue;  // no name: the loader said so
    CheckerSpec spec;
    spec.id = proc.name;
    spec.resource_class = owner->schema().resource_class;
    spec.resource = spec.resource_class + "." + spec.id;
    spec.plugin = owner->plugin;
    spec.element = node;
    spec.interval = errd.polltimer;
    spec.timeout = std::min(errd.polltimer, std::chrono::milliseconds(5000));
    spec.when = proc.klass;
    spec.custom_class = proc.custom_class;
    spec.path = FailurePath::direct;
    spec.action = proc.action;
    spec.handler = proc.handler;
    spec.line = proc.line;
    plan.checkers.push_back(std::move(spec));
  }
}

// Two checkers setting one resource would overwrite each other's value.
void refuse_shared_resources(const config::UserConfig& config, CheckerPlan& plan) {
  std::map<std::string, int> seen;
  if (config.check)
    for (const auto& c : config.check->checkers)
      if ((c.element == "custom" || c.element == "splitbrain") && !c.ident.empty())
        seen.emplace(c.element + "." + c.ident, c.line);
  for (const auto& spec : plan.checkers) {
    auto [first, inserted] = seen.emplace(spec.resource, spec.line);
    if (inserted) continue;
    plan.diagnostics.push_back(at(spec.element,
                                  "two checkers define the resource " + spec.resource + " (the other on line " +
                                      std::to_string(first->second) + "); expected a different ident for each",
                                  spec.path == FailurePath::direct ? "name" : "ident"));
  }
}

}  // namespace

bool CheckerPlan::has_errors() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const config::Diagnostic& d) { return d.severity == config::Severity::error; });
}

std::string CheckerPlan::errors() const {
  std::string out;
  for (const auto& d : diagnostics)
    if (d.severity == config::Severity::error) out += "\n  " + d.to_string();
  return out;
}

std::vector<failover::GeneratedRuleSource> CheckerPlan::rule_sources() const {
  std::vector<failover::GeneratedRuleSource> sources;
  for (const auto& spec : checkers)
    if (spec.path == FailurePath::rules && !spec.rule_prefix.empty())
      sources.push_back(failover::GeneratedRuleSource{spec.rule_prefix, spec.resource_class, spec.id, spec.action,
                                                      spec.line});
  return sources;
}

CheckerPlan plan_checkers(const config::UserConfig& config, const CheckerCatalog& catalog) {
  CheckerPlan plan;
  const ConfigNode* service = config.document.child("service");
  const std::string& file = config.document.file;
  if (config.check && service != nullptr)
    if (const ConfigNode* check = service->child("check")) plan_check(*config.check, *check, catalog, file, plan);
  if (config.errd && service != nullptr)
    if (const ConfigNode* errd = service->child("errd")) plan_errd(*config.errd, *errd, catalog, file, plan);
  refuse_shared_resources(config, plan);
  return plan;
}

}  // namespace haven::checks
