#include <map>
#include <set>

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

ErrdProc read_proc(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  ErrdProc p;
  p.line = node.line;
  p.name = r.required("name", "name=\"PROCESS\", the command or service to watch").value_or("");
  p.service = r.yes_no("service", false);
  p.nameregex = r.text_or("nameregex", "");
  p.argregex = r.text_or("argregex", "");
  p.atleast = r.integer("atleast", 1, 0, 1000000);
  p.atmax = r.integer("atmax", -1, -1, 1000000);
  if (p.atmax != -1 && p.atmax < p.atleast)
    diags.error(node, "atmax", "atmax=\"" + std::to_string(p.atmax) + "\" is below atleast=\"" +
                                   std::to_string(p.atleast) + "\"; expected atmax >= atleast, or -1 for no maximum");
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
  r.finish();
  return p;
}

struct CheckerDefaults {
  ActiveWhen when;
  FailureAction action;
  bool ident_required;
};

CheckerDefaults defaults_for(CheckerKind kind) {
  switch (kind) {
    case CheckerKind::tcp: return {ActiveWhen::prim, FailureAction::restart, true};
    case CheckerKind::ping: return {ActiveWhen::pre, FailureAction::wait, true};
    case CheckerKind::intf: return {ActiveWhen::pre, FailureAction::wait, false};
    case CheckerKind::ip: return {ActiveWhen::prim, FailureAction::stopstart, false};
    case CheckerKind::custom: return {ActiveWhen::prim, FailureAction::noaction, true};
    case CheckerKind::module: return {ActiveWhen::pre, FailureAction::wait, false};
    case CheckerKind::splitbrain: return {ActiveWhen::pre, FailureAction::wait, true};
  }
  return {ActiveWhen::prim, FailureAction::restart, false};
}

CheckTarget read_target(const ConfigNode& node, CheckerKind kind, Diagnostics& diags) {
  ElementReader r(node, diags);
  CheckTarget t;
  t.line = node.line;
  if (kind == CheckerKind::intf) {
    t.local_addr = r.required("local_addr", "local_addr=\"IP address of the local interface\"").value_or("");
  } else {
    t.addr = r.required("addr", "addr=\"IP address or DNS name\"").value_or("");
  }
  if (kind == CheckerKind::tcp) {
    if (!node.attribute("port")) diags.error(node, "<to> of a tcp checker has no port attribute; expected port=\"1..65535\"");
  }
  if (auto port = r.optional_integer("port", 1, 65535)) t.port = static_cast<int>(*port);
  if (kind == CheckerKind::module && !t.port) t.port = 9010;
  t.interval = r.optional_duration("interval", DurationUnit::seconds, kIntervalBounds);
  t.timeout = r.optional_duration("timeout", DurationUnit::seconds, kTimeoutBounds);
  t.secure = r.on_off("secure", false);
  r.finish();
  return t;
}

Checker read_checker(const ConfigNode& node, CheckerKind kind, Diagnostics& diags) {
  ElementReader r(node, diags);
  const CheckerDefaults d = defaults_for(kind);
  Checker c;
  c.kind = kind;
  c.line = node.line;
  if (d.ident_required)
    c.ident = r.required("ident", "ident=\"NAME\", which names the resource " + std::string(to_string(kind)) + ".NAME")
                  .value_or("");
  else
    c.ident = r.text_or("ident", "");
  if (kind == CheckerKind::module)
    c.name = r.required("name", "name=\"MODULE\", the module to watch").value_or("");
  c.when = r.choice<ActiveWhen>("when",
                                {{"prim", ActiveWhen::prim}, {"second", ActiveWhen::second},
                                 {"both", ActiveWhen::both}, {"pre", ActiveWhen::pre}},
                                d.when);
  c.action = d.action;
  if (auto action = r.text("action")) {
    auto found = standard_actions().find(*action);
    if (found == standard_actions().end())
      r.bad_value("action", *action, "expected wait, restart, stopstart, stop, swap or noaction");
    else
      c.action = found->second;
  }
  if (kind == CheckerKind::tcp && c.when == ActiveWhen::pre && c.action != FailureAction::wait)
    diags.error(node, "action", std::string("a tcp checker with when=\"pre\" may only wait; \"") +
                                    to_string(c.action) + "\" is not allowed. Expected action=\"wait\"");
  if (kind == CheckerKind::custom)
    c.exec = r.required("exec", "exec=\"PROGRAM\", relative to the module's bin folder").value_or("");
  else if (kind == CheckerKind::splitbrain)
    c.exec = r.text_or("exec", "ping");
  if (kind == CheckerKind::splitbrain)
    c.arg = r.required("arg", "arg=\"WITNESS1 WITNESS2\", the addresses to ping").value_or("");
  else
    c.arg = r.text_or("arg", "");
  c.interval = r.duration("interval", c.interval, DurationUnit::seconds, kIntervalBounds);
  c.timeout = r.duration("timeout", c.timeout, DurationUnit::seconds, kTimeoutBounds);
  for (const ConfigNode* to : r.children("to")) c.targets.push_back(read_target(*to, kind, diags));
  const bool needs_target = kind == CheckerKind::tcp || kind == CheckerKind::ping || kind == CheckerKind::intf ||
                            kind == CheckerKind::ip || kind == CheckerKind::module;
  if (needs_target && c.targets.empty())
    diags.error(node, "<" + node.name + "> has no <to .../> child; expected at least one target to check");
  r.finish();
  return c;
}

}  // namespace

ErrdConfig read_errd(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  ErrdConfig e;
  e.line = node.line;
  e.polltimer = r.duration("polltimer", e.polltimer, DurationUnit::seconds, kIntervalBounds);
  for (const ConfigNode* p : r.children("proc")) e.procs.push_back(read_proc(*p, diags));
  r.finish();
  return e;
}

CheckConfig read_check(const ConfigNode& node, Diagnostics& diags) {
  ElementReader r(node, diags);
  CheckConfig c;
  c.line = node.line;
  static const std::pair<const char*, CheckerKind> kinds[] = {
      {"tcp", CheckerKind::tcp},       {"ping", CheckerKind::ping},     {"intf", CheckerKind::intf},
      {"ip", CheckerKind::ip},         {"custom", CheckerKind::custom}, {"module", CheckerKind::module},
      {"splitbrain", CheckerKind::splitbrain}};
  for (const auto& child : node.children) {
    for (const auto& [tag, kind] : kinds) {
      if (child.name != tag) continue;
      r.accept_child(tag);
      c.checkers.push_back(read_checker(child, kind, diags));
    }
  }
  std::set<std::string> resources;
  for (const auto& checker : c.checkers) {
    if (checker.ident.empty()) continue;
    const std::string resource = std::string(to_string(checker.kind)) + "." + checker.ident;
    if (!resources.insert(resource).second)
      diags.add(Severity::error, checker.line, node.path + "/" + to_string(checker.kind) + "@ident",
                "two checkers define the resource " + resource + "; expected a different ident for each");
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
