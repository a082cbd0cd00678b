#include "config/macro_expansion.hpp"

#include <algorithm>
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

}  // namespace

namespace {

// An over-long expansion, and the macro whose value made it so.
struct Overflow {
  std::string macro;
};

// Counts before it appends, so a chain of macros each holding the previous one ten times
// (the "billion laughs" of macros) stops at `limit` bytes instead of exhausting memory.
std::string expand_bounded(std::string_view text, const Variables& macros, const Variables& env,
                           std::vector<std::string>& unknown, std::size_t limit) {
  std::string out;
  const auto append = [&](std::string_view part, const std::string& macro) {
    if (part.size() > limit || out.size() > limit - part.size()) throw Overflow{macro};
    out.append(part);
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find('%', pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('%', open + 1);
    if (close == std::string_view::npos) break;
    const std::string name(text.substr(open + 1, close - open - 1));
    if (!is_variable_name(name)) {
      // "50% of %X%": the second '%' may open a real reference.
      append(text.substr(pos, close - pos), {});
      pos = close;
      continue;
    }
    append(text.substr(pos, open - pos), {});
    if (auto m = macros.find(name); m != macros.end()) {
      append(m->second, name);
    } else if (auto e = env.find(name); e != env.end()) {
      append(e->second, name);
    } else {
      append(text.substr(open, close - open + 1), {});
      unknown.push_back(name);
    }
    pos = close + 1;
  }
  append(text.substr(pos), {});
  return out;
}

// What the whole document may grow by through macros, beyond each value's own bound.
class Budget {
 public:
  explicit Budget(std::size_t total) : left_(total) {}
  std::size_t per_value() const { return std::min(kMaxExpandedValue, left_); }
  void spend(std::size_t before, std::size_t after) {
    if (after > before) left_ -= std::min(left_, after - before);
  }

 private:
  std::size_t left_;
};

std::string overflow_text(const Overflow& o, std::size_t limit) {
  return "expanding " + (o.macro.empty() ? std::string("it") : "%" + o.macro + "%") + " makes it longer than " +
         std::to_string(limit) + " bytes (" + std::to_string(kMaxExpandedValue) + " per value, " +
         std::to_string(kMaxExpandedDocument) +
         " for the whole file); expected macros that do not multiply each other";
}

// Expands one attribute in place; on overflow the value is left as written, with an error.
void expand_attribute(ConfigNode& node, const std::string& key, std::string& value, const Variables& macros,
                      const Variables& env, Budget& budget, Diagnostics& diags) {
  std::vector<std::string> unknown;
  const auto limit = budget.per_value();
  try {
    auto expanded = expand_bounded(value, macros, env, unknown, limit);
    budget.spend(value.size(), expanded.size());
    value = std::move(expanded);
  } catch (const Overflow& o) {
    diags.error(node, key, overflow_text(o, limit));
    return;
  }
  warn_unknown(node, key, unknown, diags);
}

void expand_tree(ConfigNode& node, const Variables& macros, const Variables& env, Budget& budget,
                 Diagnostics& diags) {
  for (auto& [key, value] : node.attributes) expand_attribute(node, key, value, macros, env, budget, diags);
  for (auto& child : node.children) expand_tree(child, macros, env, budget, diags);
}

}  // namespace

std::string expand_variables(std::string_view text, const Variables& macros, const Variables& env,
                             std::vector<std::string>& unknown) {
  try {
    return expand_bounded(text, macros, env, unknown, kMaxExpandedValue);
  } catch (const Overflow&) {
    return std::string(text);
  }
}

Variables expand_macros(ConfigNode& root, const Variables& env, Diagnostics& diags) {
  Variables macros;
  Budget budget(kMaxExpandedDocument);
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
    const auto limit = budget.per_value();
    std::string expanded;
    try {
      expanded = expand_bounded(*value, macros, env, unknown, limit);
      budget.spend(value->size(), expanded.size());
    } catch (const Overflow& o) {
      diags.error(child, "value", "macro \"" + *name + "\": " + overflow_text(o, limit));
      // Defined empty, so that what refers to it is not reported again as unknown.
      macros.emplace(*name, std::string());
      continue;
    }
    warn_unknown(child, "value", unknown, diags);
    for (auto& [key, v] : child.attributes)
      if (key == "value") v = expanded;
    macros.emplace(*name, std::move(expanded));
  }
  for (auto& child : root.children)
    if (child.name != "macro") expand_tree(child, macros, env, budget, diags);
  // The root's own attributes, if any, too.
  for (auto& [key, value] : root.attributes) expand_attribute(root, key, value, macros, env, budget, diags);
  return macros;
}

}  // namespace haven::config
