// Reads one element's attributes and children into typed values, reporting bad values,
// missing required attributes, duplicates, and (at finish) unknown attributes and elements.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/duration.hpp"
#include "haven/config_node.hpp"

namespace haven::config {

/// The times an attribute may take. A zero pulse or interval re-arms its timer at once (an
/// agent at 100 % CPU sending tens of thousands of heartbeats a second): those have a minimum.
struct DurationBounds {
  std::chrono::milliseconds min{0};
  std::chrono::milliseconds max{std::chrono::hours(24 * 365)};
};
inline constexpr DurationBounds kPulseBounds{std::chrono::milliseconds(10), std::chrono::hours(1)};
inline constexpr DurationBounds kIntervalBounds{std::chrono::milliseconds(100), std::chrono::hours(24)};
inline constexpr DurationBounds kTimeoutBounds{std::chrono::milliseconds(10), std::chrono::hours(24)};

class ElementReader {
 public:
  ElementReader(const ConfigNode& node, Diagnostics& diags) : node_(node), diags_(diags) {}

  const ConfigNode& node() const { return node_; }
  Diagnostics& diags() { return diags_; }

  /// The attribute's value, nullopt when absent.
  std::optional<std::string> text(std::string_view attribute);
  std::string text_or(std::string_view attribute, std::string fallback);
  /// Error naming `expected` (e.g. `dir="/absolute/path"`) when absent or empty.
  std::optional<std::string> required(std::string_view attribute, std::string_view expected);

  bool on_off(std::string_view attribute, bool fallback);
  bool yes_no(std::string_view attribute, bool fallback);
  /// Whole number in [min, max]; the fallback when absent or bad (bad is an error).
  std::int64_t integer(std::string_view attribute, std::int64_t fallback, std::int64_t min, std::int64_t max);
  std::optional<std::int64_t> optional_integer(std::string_view attribute, std::int64_t min, std::int64_t max);
  /// A time in [bounds.min, bounds.max]; the fallback when absent or bad (bad, or out of
  /// range, is an error naming the element, its line and the range).
  std::chrono::milliseconds duration(std::string_view attribute, std::chrono::milliseconds fallback,
                                     DurationUnit bare_unit, DurationBounds bounds = {});
  std::optional<std::chrono::milliseconds> optional_duration(std::string_view attribute, DurationUnit bare_unit,
                                                             DurationBounds bounds = {});

  /// One of the listed words; the fallback when absent or not listed (not listed is an error
  /// naming all the words).
  template <typename E>
  E choice(std::string_view attribute, std::initializer_list<std::pair<std::string_view, E>> words, E fallback) {
    auto value = text(attribute);
    if (!value) return fallback;
    std::string expected;
    for (const auto& [word, e] : words) {
      if (*value == word) return e;
      expected += (expected.empty() ? "" : "|") + std::string(word);
    }
    bad_value(attribute, *value, "expected one of " + expected);
    return fallback;
  }

  /// Every child element with this name, in document order.
  std::vector<const ConfigNode*> children(std::string_view name);
  /// The child with this name; an error for each extra one ("given twice").
  const ConfigNode* unique_child(std::string_view name);
  /// Marks a child or attribute as known without reading it.
  void accept_child(std::string_view name) { known_children_.emplace(name); }
  void accept_attribute(std::string_view name) { known_attributes_.emplace(name); }

  void bad_value(std::string_view attribute, std::string_view value, std::string_view expected);

  /// Warns about every attribute and child element no one asked for.
  void finish();

 private:
  const ConfigNode& node_;
  Diagnostics& diags_;
  std::set<std::string, std::less<>> known_attributes_;
  std::set<std::string, std::less<>> known_children_;
};

}  // namespace haven::config
