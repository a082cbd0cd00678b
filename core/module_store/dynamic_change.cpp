#include "module_store/dynamic_change.hpp"

#include <algorithm>
#include <set>

#include "config/config_tree.hpp"

namespace haven {
namespace {

const std::set<std::string> kServiceAttributes{"boot", "boot_delay", "maxloop", "loop_interval", "automatic_reboot"};
const std::set<std::string> kFreeElements{"heart", "user", "errd", "check"};
const std::set<std::string> kRfsAttributes{"async", "nbrei", "reitimeout", "reidetail"};
const std::set<std::string> kRfsElements{"flow"};

bool same_tree(const ConfigNode& a, const ConfigNode& b) {
  if (a.name != b.name || a.text != b.text || a.children.size() != b.children.size()) return false;
  auto sorted = [](std::vector<std::pair<std::string, std::string>> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  if (sorted(a.attributes) != sorted(b.attributes)) return false;
  for (std::size_t i = 0; i < a.children.size(); ++i)
    if (!same_tree(a.children[i], b.children[i])) return false;
  return true;
}

std::vector<const ConfigNode*> children_named(const ConfigNode* node, const std::string& name) {
  std::vector<const ConfigNode*> out;
  if (node == nullptr) return out;
  for (const auto& c : node->children)
    if (c.name == name) out.push_back(&c);
  return out;
}

std::set<std::string> child_names(const ConfigNode* a, const ConfigNode* b) {
  std::set<std::string> names;
  for (const auto* n : {a, b})
    if (n != nullptr)
      for (const auto& c : n->children) names.insert(c.name);
  return names;
}

// Attributes of `a` and `b` (either may be absent) that differ and are not in `allowed`.
void attribute_changes(const ConfigNode* a, const ConfigNode* b, const std::set<std::string>& allowed,
                       const std::string& element, std::vector<std::string>& out) {
  std::set<std::string> names;
  for (const auto* n : {a, b})
    if (n != nullptr)
      for (const auto& [k, v] : n->attributes) names.insert(k);
  for (const auto& k : names) {
    if (allowed.count(k) != 0) continue;
    const auto va = a != nullptr ? a->attribute(k) : std::nullopt;
    const auto vb = b != nullptr ? b->attribute(k) : std::nullopt;
    if (va != vb) out.push_back("<" + element + " " + k + ">");
  }
}

// Children of `a` and `b` named alike compared as sequences; `allowed` names may change freely.
void element_changes(const ConfigNode* a, const ConfigNode* b, const std::set<std::string>& allowed,
                     const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& name : child_names(a, b)) {
    if (allowed.count(name) != 0) continue;
    const auto ca = children_named(a, name);
    const auto cb = children_named(b, name);
    bool same = ca.size() == cb.size();
    for (std::size_t i = 0; same && i < ca.size(); ++i) same = same_tree(*ca[i], *cb[i]);
    if (!same) out.push_back(prefix + "<" + name + ">");
  }
}

}  // namespace

std::vector<std::string> changes_refused_while_running(const ConfigNode& applied, const ConfigNode& current) {
  std::vector<std::string> out;
  attribute_changes(&applied, &current, {}, applied.name, out);
  // Under <safe>: only <service> is looked into.
  element_changes(&applied, &current, {"service"}, "", out);
  const auto sa = children_named(&applied, "service");
  const auto sb = children_named(&current, "service");
  if (sa.size() > 1 || sb.size() > 1 || sa.size() != sb.size()) {
    out.push_back("<service>");
    return out;
  }
  const ConfigNode* a = sa.empty() ? nullptr : sa.front();
  const ConfigNode* b = sb.empty() ? nullptr : sb.front();
  attribute_changes(a, b, kServiceAttributes, "service", out);
  auto allowed = kFreeElements;
  allowed.insert("rfs");
  element_changes(a, b, allowed, "", out);
  const auto ra = children_named(a, "rfs");
  const auto rb = children_named(b, "rfs");
  if (ra.size() != rb.size() || ra.size() > 1) {
    out.push_back("<rfs>");
    return out;
  }
  if (!ra.empty()) {
    attribute_changes(ra.front(), rb.front(), kRfsAttributes, "rfs", out);
    element_changes(ra.front(), rb.front(), kRfsElements, "<rfs>", out);
  }
  return out;
}

Result<std::vector<std::string>> changes_refused_while_running(const std::string& applied_xml,
                                                               const std::string& current_xml, const std::string& label) {
  config::Diagnostics diags(label);
  auto a = config::read_config_tree(applied_xml, "safe", diags);
  if (!a) return fail(Errc::invalid_argument, label + ": the applied configuration is not a <safe> document");
  auto b = config::read_config_tree(current_xml, "safe", diags);
  if (!b) return fail(Errc::invalid_argument, label + ": conf/userconfig.xml is not a <safe> document");
  return changes_refused_while_running(*a, *b);
}

}  // namespace haven
