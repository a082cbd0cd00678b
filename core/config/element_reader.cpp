#include "config/element_reader.hpp"

#include <algorithm>
#include <cctype>

namespace haven::config {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::optional<std::string> ElementReader::text(std::string_view attribute) {
  known_attributes_.emplace(attribute);
  return node_.attribute(std::string(attribute));
}

std::string ElementReader::text_or(std::string_view attribute, std::string fallback) {
  auto v = text(attribute);
  return v ? *v : std::move(fallback);
}

std::optional<std::string> ElementReader::required(std::string_view attribute, std::string_view expected) {
  auto v = text(attribute);
  if (!v) {
    diags_.error(node_, "<" + node_.name + "> has no " + std::string(attribute) +
                            " attribute; expected " + std::string(expected));
    return std::nullopt;
  }
  if (v->empty()) {
    diags_.error(node_, attribute, "is empty; expected " + std::string(expected));
    return std::nullopt;
  }
  return v;
}

void ElementReader::bad_value(std::string_view attribute, std::string_view value, std::string_view expected) {
  diags_.error(node_, attribute, "\"" + std::string(value) + "\" is not valid; " + std::string(expected));
}

bool ElementReader::on_off(std::string_view attribute, bool fallback) {
  auto v = text(attribute);
  if (!v) return fallback;
  const std::string l = lower(*v);
  if (l == "on") return true;
  if (l == "off") return false;
  bad_value(attribute, *v, "expected on or off");
  return fallback;
}

bool ElementReader::yes_no(std::string_view attribute, bool fallback) {
  auto v = text(attribute);
  if (!v) return fallback;
  const std::string l = lower(*v);
  if (l == "yes" || l == "on") return true;
  if (l == "no" || l == "off") return false;
  bad_value(attribute, *v, "expected yes or no");
  return fallback;
}

std::optional<std::int64_t> ElementReader::optional_integer(std::string_view attribute, std::int64_t min,
                                                            std::int64_t max) {
  auto v = text(attribute);
  if (!v) return std::nullopt;
  const std::string& s = *v;
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  std::int64_t n = 0;
  bool ok = i < s.size() && s.size() - i <= 18;
  for (; ok && i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) ok = false;
    else n = n * 10 + (s[i] - '0');
  }
  if (negative) n = -n;
  const std::string range = "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!ok) {
    bad_value(attribute, s, range);
    return std::nullopt;
  }
  if (n < min || n > max) {
    diags_.error(node_, attribute, "\"" + s + "\" is out of range; " + range);
    return std::nullopt;
  }
  return n;
}

std::int64_t ElementReader::integer(std::string_view attribute, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) {
  return optional_integer(attribute, min, max).value_or(fallback);
}

std::optional<std::chrono::milliseconds> ElementReader::optional_duration(std::string_view attribute,
                                                                          DurationUnit bare_unit,
                                                                          DurationBounds bounds) {
  auto v = text(attribute);
  if (!v) return std::nullopt;
  auto parsed = parse_duration(*v, bare_unit);
  if (!parsed) {
    diags_.error(node_, attribute,
                 parsed.error().message + " (a bare number counts in " + to_string(bare_unit) + ")");
    return std::nullopt;
  }
  if (*parsed < bounds.min || *parsed > bounds.max) {
    diags_.error(node_, attribute,
                 "\"" + *v + "\" (" + format_duration(*parsed) + ") is out of range; expected a time from " +
                     format_duration(bounds.min) + " to " + format_duration(bounds.max) +
                     " (a bare number counts in " + to_string(bare_unit) + ")");
    return std::nullopt;
  }
  return *parsed;
}

std::chrono::milliseconds ElementReader::duration(std::string_view attribute, std::chrono::milliseconds fallback,
                                                  DurationUnit bare_unit, DurationBounds bounds) {
  return optional_duration(attribute, bare_unit, bounds).value_or(fallback);
}

std::vector<const ConfigNode*> ElementReader::children(std::string_view name) {
  known_children_.emplace(name);
  std::vector<const ConfigNode*> out;
  for (const auto& c : node_.children)
    if (c.name == name) out.push_back(&c);
  return out;
}

const ConfigNode* ElementReader::unique_child(std::string_view name) {
  auto all = children(name);
  if (all.empty()) return nullptr;
  for (std::size_t i = 1; i < all.size(); ++i)
    diags_.error(*all[i], "<" + std::string(name) + "> is given twice (first on line " +
                              std::to_string(all[0]->line) + "); expected at most one, the second is ignored");
  return all.front();
}

void ElementReader::finish() {
  for (const auto& [key, value] : node_.attributes)
    if (!known_attributes_.count(key))
      diags_.warning(node_, key, "unknown attribute of <" + node_.name + ">, ignored (value \"" + value + "\")");
  for (const auto& c : node_.children)
    if (!known_children_.count(c.name))
      diags_.warning(c, "unknown element <" + c.name + "> inside <" + node_.name + ">, ignored");
}

}  // namespace haven::config
