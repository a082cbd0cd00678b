// A light scan of an XML document's start tags, in document order, with their lines.
// Boost.PropertyTree does not keep line numbers; matching this list against the tree's
// document order gives every element its line. The scan also checks that end tags match
// their start tags, which the parser underneath does not.
#pragma once

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

struct StartTagScan {
  std::vector<StartTag> tags;
  std::vector<EndTagMismatch> mismatches;
};

/// Skips comments, CDATA, processing instructions and DOCTYPE (with an internal subset),
/// as the XML parser does, so the tags line up with the parsed elements.
StartTagScan scan_start_tags(std::string_view xml);

}  // namespace haven::config
