// A batch file as the interpreter reads it: lines with Windows line ends, a byte-order mark
// and typographic quotes normalised, and its labels.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace haven::cmd {

struct BatchSource {
  std::string path;                ///< as given, for messages
  std::vector<std::string> lines;  ///< normalised, without line ends
  /// One per line where typographic quotes were read as '"': "FILE:LINE: warning: ...".
  std::vector<std::string> warnings;

  /// The index of the line holding label `name` (case-insensitive, without ':'), searching
  /// from line `from` to the end, then from the top, as goto does.
  std::optional<std::size_t> find_label(std::string_view name, std::size_t from) const;
};

/// Splits and normalises a file's text. Pure. “ ” „ (and ‘ ’ on a line that opens with ‘)
/// become '"'; so do Windows-1252 bytes 0x93 0x94 on a line that is not valid UTF-8.
BatchSource make_batch_source(std::string path, std::string_view text);

/// Replaces typographic quotes in one line; true when it changed anything.
bool normalise_typographic_quotes(std::string& line);

/// True for a label line (":name") or a "::" comment, which are never expanded or run.
bool is_label_line(std::string_view line);

/// The label a goto or call names: "  :End  x" -> "end".
std::string label_name(std::string_view text);

}  // namespace haven::cmd
