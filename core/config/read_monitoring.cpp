#include <map>
#include <optional>

#include "config/user_config_sections.hpp"

namespace haven::config {
namespace {

const std::map<std::string, FailureAction>& standard_actions() {
  static const std::map<std::string, FailureAction> actions = {
      {"restart", FailureAction::restart}, {"stopstart", FailureAction::stopstart},
      {"stop", FailureAction::stop},       {"noaction", FailureAction::noaction},
      {"wait", FailureAction::wait},       {"swap", FailureAction::swap}};
  return actions;
}

// The common attributes of a child of <errd>; the plugin owning the element reads the rest.
ErrdProc read_proc(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  ErrdProc p;
  p.element = node.name;
  p.line = node.line;
  p.name = r.required("name", "name=\"PROCESS\", the command or service to watch").value_or("");
  if (auto action = r.text("action")) {
    auto found = standard_actions().find(*action);
    if (found != standard_actions().end() && found->second != FailureAction::wait &&
        found->second != FailureAction::swap) {
      p.action = found->second;
    } else if (found == standard_actions().end() && is_identifier(*action)) {
      p.action = FailureAction::handler;
      p.handler = *action;
    } else {
      r.bad_value("action", *action, "expected restart, stopstart, stop, noaction or the name of a custom handler");
    }
  }
  if (auto klass = r.text("class")) {
    static const std::map<std::string, ActiveWhen> classes = {
        {"prim", ActiveWhen::prim}, {"both", ActiveWhen::both}, {"pre", ActiveWhen::pre},
        {"second", ActiveWhen::second}, {"sec", ActiveWhen::sec}};
    if (auto found = classes.find(*klass); found != classes.end()) {
      p.klass = found->second;
    } else if (is_identifier(*klass)) {
      p.klass = ActiveWhen::custom;
      p.custom_class = *klass;
    } else {
      r.bad_value("class", *klass, "expected prim, both, pre, second, sec or a custom class name");
    }
  }
  p.start_after = r.text_or("start_after", "");
  p.restart_services = r.text_or("restart_services", "");
  return p;
}

std::optional<FailureAction> read_action(ElementReader& r) {
  auto action = r.text("action");
  if (!action) return std::nullopt;
  auto found = standard_actions().find(*action);
  if (found != standard_actions().end()) return found->second;
  r.bad_value("action", *action, "expected wait, restart, stopstart, stop, swap or noaction");
  return std::nullopt;
}

// What the core reads of any checker: ident, when, action, and how often (the first <to>'s
// interval and timeout override the element's, as the seed product writes them).
Checker read_common(ElementReader& r) {
  const ConfigNode& node = r.node();
  Checker c;
  c.element = node.name;
  c.line = node.line;
  c.ident = r.text_or("ident", "");
  if (r.text("when"))
    c.when = r.choice<ActiveWhen>("when",
                                  {{"prim", ActiveWhen::prim}, {"second", ActiveWhen::second},
                                   {"both", ActiveWhen::both}, {"pre", ActiveWhen::pre}},
                                  ActiveWhen::prim);
  c.action = read_action(r);
  c.interval = r.duration("interval", c.interval, DurationUnit::seconds, kIntervalBounds);
  c.timeout = r.duration("timeout", c.timeout, DurationUnit::seconds, kTimeoutBounds);
  if (const ConfigNode* to = node.child("to")) {
    ElementReader t(*to, r.diags());
    c.interval = t.duration("interval", c.interval, DurationUnit::seconds, kIntervalBounds);
    c.timeout = t.duration("timeout", c.timeout, DurationUnit::seconds, kTimeoutBounds);
  }
  return c;
}

// <custom> and <splitbrain>: programs and witnesses the core runs itself.
Checker read_core_checker(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  Checker c = read_common(r);
  const bool custom = node.name == "custom";
  if (c.ident.empty())
    (void)r.required("ident", "ident=\"NAME\", which names the resource " + node.name + ".NAME");
  if (custom) {
    c.exec = r.required("exec", "exec=\"PROGRAM\", relative to the module's bin folder").value_or("");
    c.arg = r.text_or("arg", "");
  } else {
    c.exec = r.text_or("exec", "ping");
    c.arg = r.required("arg", "arg=\"WITNESS1 WITNESS2\", the addresses to ping").value_or("");
  }
  r.finish();
  return c;
}

}  // namespace

ErrdConfig read_errd(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  ErrdConfig e;
  e.line = node.line;
  e.polltimer = r.duration("polltimer", e.polltimer, DurationUnit::seconds, kIntervalBounds);
  // Every child is a plugin's element (found by its name when the module is checked).
  for (const auto& child : node.children) {
    r.accept_child(child.name);
    e.procs.push_back(read_proc(child, diags));
  }
  r.finish();
  return e;
}

CheckConfig read_check(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  CheckConfig c;
  c.line = node.line;
  // Every child is a checker: the core's own <custom> and <splitbrain>, or a plugin's
  // element, whose owner validates the rest of it (checks::plan_checkers).
  for (const auto& child : node.children) {
    r.accept_child(child.name);
    if (child.name == "custom" || child.name == "splitbrain") {
      c.checkers.push_back(read_core_checker(child, diags));
    } else {
      ElementReader plugin_element(child, diags);
      c.checkers.push_back(read_common(plugin_element));
    }
  }
  r.finish();
  return c;
}

FailoverConfig read_failover(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  FailoverConfig f;
  f.line = node.line;
  f.extends = r.yes_no("extends", true);
  f.period = r.duration("period", f.period, DurationUnit::milliseconds, kIntervalBounds);
  f.handle_time = r.duration("handle_time", f.handle_time, DurationUnit::milliseconds);
  f.rules = node.text;
  r.finish();
  return f;
}

}  // namespace haven::config
