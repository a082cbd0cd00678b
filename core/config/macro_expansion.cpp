#include "config/macro_expansion.hpp"

#include <cctype>

namespace haven::config {
namespace {

bool is_variable_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

void warn_unknown(const ConfigNode& node, const std::string& attribute,
                  const std::vector<std::string>& unknown, Diagnostics& diags) {
  for (const auto& name : unknown)
    diags.warning(node, attribute,
                  "%" + name + "% is neither a <macro> of this file nor an environment variable; "
                  "left as written. Define it with <macro name=\"" + name + "\" value=\"...\"/>");
}

void expand_tree(ConfigNode& node, const Variables& macros, const Variables& env, Diagnostics& diags) {
  for (auto& [key, value] : node.attributes) {
    std::vector<std::string> unknown;
    value = expand_variables(value, macros, env, unknown);
    warn_unknown(node, key, unknown, diags);
  }
  for (auto& child : node.children) expand_tree(child, macros, env, diags);
}

}  // namespace

std::string expand_variables(std::string_view text, const Variables& macros, const Variables& env,
                             std::vector<std::string>& unknown) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find('%', pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('%', open + 1);
    if (close == std::string_view::npos) break;
    const std::string name(text.substr(open + 1, close - open - 1));
    if (!is_variable_name(name)) {
      // "50% of %X%": the second '%' may open a real reference.
      out.append(text.substr(pos, close - pos));
      pos = close;
      continue;
    }
    out.append(text.substr(pos, open - pos));
    if (auto m = macros.find(name); m != macros.end()) {
      out += m->second;
    } else if (auto e = env.find(name); e != env.end()) {
      out += e->second;
    } else {
      out.append(text.substr(open, close - open + 1));
      unknown.push_back(name);
    }
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

Variables expand_macros(ConfigNode& root, const Variables& env, Diagnostics& diags) {
  Variables macros;
  for (auto& child : root.children) {
    if (child.name != "macro") continue;
    auto name = child.attribute("name");
    auto value = child.attribute("value");
    if (!name) {
      diags.error(child, "<macro> has no name attribute; expected <macro name=\"NAME\" value=\"...\"/>");
      continue;
    }
    if (!is_variable_name(*name)) {
      diags.error(child, "name", "\"" + *name + "\" is not a macro name; expected letters, digits and _ (not first a digit)");
      continue;
    }
    if (!value) {
      diags.error(child, "<macro name=\"" + *name + "\"> has no value attribute; expected value=\"...\"");
      continue;
    }
    if (macros.count(*name)) {
      diags.error(child, "name", "macro \"" + *name + "\" is defined twice; keep one");
      continue;
    }
    std::vector<std::string> unknown;
    std::string expanded = expand_variables(*value, macros, env, unknown);
    warn_unknown(child, "value", unknown, diags);
    for (auto& [key, v] : child.attributes)
      if (key == "value") v = expanded;
    macros.emplace(*name, std::move(expanded));
  }
  for (auto& child : root.children)
    if (child.name != "macro") expand_tree(child, macros, env, diags);
  // The root's own attributes, if any, too.
  for (auto& [key, value] : root.attributes) {
    std::vector<std::string> unknown;
    value = expand_variables(value, macros, env, unknown);
    warn_unknown(root, key, unknown, diags);
  }
  return macros;
}

}  // namespace haven::config
