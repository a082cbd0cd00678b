#include "checks/checker_plan.hpp"

#include <fmt/format.h>

namespace haven::checks {
namespace {

// The element a checker was read from: the config model keeps the line, the plugin needs
// the element itself.
const ConfigNode* find_element(const ConfigNode* parent, const std::string& name, int line) {
  if (parent == nullptr) return nullptr;
  for (const auto& child : parent->children)
    if (child.name == name && child.line == line) return &child;
  return nullptr;
}

std::string default_id(const config::Checker& checker) {
  if (!checker.ident.empty()) return checker.ident;
  if (checker.targets.empty()) return {};
  const auto& to = checker.targets.front();
  // The seed product's module.<name>_<addr>.
  if (checker.kind == config::CheckerKind::module) return checker.name + "_" + to.addr;
  return to.local_addr.empty() ? to.addr : to.local_addr;
}

}  // namespace

Result<std::vector<CheckerSpec>> plan_checkers(const config::UserConfig& config) {
  std::vector<CheckerSpec> plan;
  const ConfigNode* service = config.document.child("service");
  if (config.check) {
    const ConfigNode* check = service ? service->child("check") : nullptr;
    for (const auto& checker : config.check->checkers) {
      if (checker.kind == config::CheckerKind::custom || checker.kind == config::CheckerKind::splitbrain) continue;
      const std::string kind = config::to_string(checker.kind);
      const ConfigNode* element = find_element(check, kind, checker.line);
      if (element == nullptr)
        return fail(Errc::internal, fmt::format("userconfig.xml line {}: the <{}> checker was read but its element "
                                                "is not in the document; expected safe/service/check/{}",
                                                checker.line, kind, kind));
      CheckerSpec spec;
      spec.resource = kind + "." + default_id(checker);
      spec.plugin = "haven.checker." + kind;
      spec.element = *element;
      spec.interval = checker.targets.empty() || !checker.targets.front().interval ? checker.interval
                                                                                   : *checker.targets.front().interval;
      spec.timeout = checker.targets.empty() || !checker.targets.front().timeout ? checker.timeout
                                                                                 : *checker.targets.front().timeout;
      spec.when = checker.when;
      spec.action = checker.action;
      spec.line = checker.line;
      plan.push_back(std::move(spec));
    }
  }
  if (config.errd) {
    const ConfigNode* errd = service ? service->child("errd") : nullptr;
    for (const auto& proc : config.errd->procs) {
      const ConfigNode* element = find_element(errd, "proc", proc.line);
      if (element == nullptr)
        return fail(Errc::internal, fmt::format("userconfig.xml line {}: the <proc> element was read but is not in "
                                                "the document; expected safe/service/errd/proc",
                                                proc.line));
      CheckerSpec spec;
      spec.resource = "proc." + proc.name;
      spec.plugin = "haven.checker.proc";
      spec.element = *element;
      spec.interval = config.errd->polltimer;
      spec.timeout = std::min(config.errd->polltimer, std::chrono::milliseconds(5000));
      spec.when = proc.klass;
      spec.custom_class = proc.custom_class;
      spec.path = FailurePath::direct;
      spec.action = proc.action;
      spec.line = proc.line;
      plan.push_back(std::move(spec));
    }
  }
  return plan;
}

}  // namespace haven::checks
