// Typographic quotes used as attribute delimiters (`name=”default”`), as configurations
// copied from a web page have them. XML does not allow them; haven accepts them, warns, and
// hands the XML parser the text with plain quotes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace haven::config {

struct QuoteRepair {
  std::string text;        ///< the document with plain quotes; same lines as the input
  std::vector<int> lines;  ///< 1-based lines where typographic quotes were replaced, ascending
};

/// Replaces “ ” ‘ ’ (U+201C, U+201D, U+2018, U+2019) where they open or close an attribute
/// value inside a start tag. The same characters inside plain-quoted values, text, comments
/// and CDATA are left alone.
QuoteRepair repair_typographic_quotes(std::string_view xml);

}  // namespace haven::config
