// A light scan of an XML document's start tags, in document order, with their lines.
// Boost.PropertyTree does not keep line numbers; matching this list against the tree's
// document order gives every element its line. The scan also checks that end tags match
// their start tags, which the parser underneath does not.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace haven::config {

struct StartTag {
  std::string name;
  int line = 0;  ///< 1-based line of the '<'
};

struct EndTagMismatch {
  int line = 0;           ///< line of the end tag
  std::string found;      ///< name in the end tag ("" when an end tag has no start tag)
  std::string expected;   ///< name of the element still open ("" when none is)
  int opened_line = 0;    ///< line where `expected` was opened
};

/// Deeper than any configuration: the XML parser and the tree builder recurse per element,
/// so a document nested this deep is refused before they see it.
inline constexpr int kMaxElementDepth = 64;

struct TooDeep {
  int line = 0;       ///< line of the start tag one level too deep
  std::string name;   ///< its name
};

struct StartTagScan {
  std::vector<StartTag> tags;
  std::vector<EndTagMismatch> mismatches;
  std::optional<TooDeep> too_deep;  ///< the first element nested deeper than kMaxElementDepth
};

/// Skips comments, CDATA, processing instructions and DOCTYPE (with an internal subset),
/// as the XML parser does, so the tags line up with the parsed elements.
StartTagScan scan_start_tags(std::string_view xml);

}  // namespace haven::config
