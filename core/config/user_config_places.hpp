// Where each field of the userconfig.xml model (user_config.hpp) comes from in the file, in
// the file's own words: "safe/service/rfs@locktimeout" for an attribute,
// "safe/service/rfs/replicated/tocheck" for an element, "*" for any one element name (the
// children of <check> and <errd> belong to plugins; the core keeps their common attributes).
//
// The configuration report is derived from this table and from what the code outside
// core/config reads: a place whose fields nothing reads is "accepted, but not acted on"
// (core/config/not_acted_on.inc, regenerated and held true by the test
// config_report_matches_consumption, tests/unit/config/consumption/).
#pragma once

#include <span>
#include <string_view>

namespace haven::config {

enum class PlaceKind {
  xml,          ///< read from `place`; acted on when code outside core/config reads the field
  loader,       ///< read from `place` and acted on by the loader itself (macro expansion)
  not_a_place,  ///< not read from one place of the file: a line number, a derived value
};

struct ModelPlace {
  std::string_view field;  ///< "RfsConfig::locktimeout", as declared in user_config.hpp
  std::string_view place;  ///< "safe/service/rfs@locktimeout"; for not_a_place, what it is instead
  PlaceKind kind = PlaceKind::xml;
};

/// Every field of the model, once per place it is read from (a field may have several:
/// Checker::interval comes from the checker's element and from its first <to>).
std::span<const ModelPlace> model_places();

/// True when `place` ("safe/service/check/*@ident") names `path` ("safe/service/check/tcp@ident"):
/// the same element names, "*" standing for any one, and the same attribute (or none on both).
bool place_matches(std::string_view place, std::string_view path);

}  // namespace haven::config
