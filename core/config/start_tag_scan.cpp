#include "config/start_tag_scan.hpp"

#include <cctype>

namespace haven::config {
namespace {

// The scan must read tags exactly as the parser underneath (Boost's rapidxml) does, or a
// document could nest deeper there than the scan counts (finding 15): a quote that rapidxml
// takes as part of a name must not start a quoted value here. Its character classes:
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
// Element names: anything but whitespace, '/', '>', '?' and NUL.
bool is_element_name_char(char c) { return !is_space(c) && c != '/' && c != '>' && c != '?' && c != '\0'; }
// Attribute names: anything but whitespace, '/', '<', '>', '=', '?', '!' and NUL.
bool is_attribute_name_char(char c) {
  return !is_space(c) && c != '/' && c != '<' && c != '>' && c != '=' && c != '?' && c != '!' && c != '\0';
}

class Scanner {
 public:
  explicit Scanner(std::string_view in) : in_(in) {}

  StartTagScan run() {
    while (pos_ < in_.size()) {
      if (in_[pos_] == '\0') break;  // rapidxml stops there: "unexpected end of data"
      if (starts_with("<!--")) skip_through("-->");
      else if (starts_with("<![CDATA[")) skip_through("]]>");
      else if (starts_with("<?")) skip_through("?>");
      else if (starts_with("<!DOCTYPE") && pos_ + 9 < in_.size() && is_space(in_[pos_ + 9])) skip_declaration();
      else if (starts_with("<!")) skip_through(">");  // any other <! ends at the first '>'
      else if (starts_with("</")) end_tag();
      else if (in_[pos_] == '<') start_tag();
      else advance();
    }
    return std::move(out_);
  }

 private:
  struct Open {
    std::string name;
    int line;
  };

  bool starts_with(std::string_view p) const { return in_.substr(pos_, p.size()) == p; }

  void advance() {
    if (in_[pos_] == '\n') ++line_;
    ++pos_;
  }

  void skip_through(std::string_view end) {
    while (pos_ < in_.size() && !starts_with(end)) advance();
    for (std::size_t i = 0; i < end.size() && pos_ < in_.size(); ++i) advance();
  }

  // <!DOCTYPE safe [ ... ]>: the internal subset may hold '>' of its own.
  void skip_declaration() {
    int depth = 0;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      advance();
      if (c == '[') ++depth;
      else if (c == ']') --depth;
      else if (c == '>' && depth <= 0) return;
    }
  }

  std::string read_element_name() {
    std::string name;
    while (pos_ < in_.size() && is_element_name_char(in_[pos_])) name += in_[pos_++];
    return name;
  }

  void skip_spaces() {
    while (pos_ < in_.size() && is_space(in_[pos_])) advance();
  }

  // Where rapidxml would throw, the document is refused by the parser before it nests any
  // deeper: the scan stops there too.
  void stop() { pos_ = in_.size(); }

  enum class TagEnd { content, empty, malformed };

  // Attributes as rapidxml reads them (name, '=', a quoted value), then '>' or "/>".
  TagEnd skip_attributes() {
    for (;;) {
      skip_spaces();
      if (pos_ >= in_.size()) return TagEnd::malformed;
      if (!is_attribute_name_char(in_[pos_])) break;
      while (pos_ < in_.size() && is_attribute_name_char(in_[pos_])) advance();
      skip_spaces();
      if (pos_ >= in_.size() || in_[pos_] != '=') return TagEnd::malformed;
      advance();
      skip_spaces();
      if (pos_ >= in_.size() || (in_[pos_] != '"' && in_[pos_] != '\'')) return TagEnd::malformed;
      const char quote = in_[pos_];
      advance();
      while (pos_ < in_.size() && in_[pos_] != quote && in_[pos_] != '\0') advance();
      if (pos_ >= in_.size() || in_[pos_] != quote) return TagEnd::malformed;
      advance();
    }
    if (starts_with("/>")) {
      advance();
      advance();
      return TagEnd::empty;
    }
    if (in_[pos_] == '>') {
      advance();
      return TagEnd::content;
    }
    return TagEnd::malformed;
  }

  void start_tag() {
    const int line = line_;
    ++pos_;
    std::string name = read_element_name();
    if (name.empty()) return stop();
    const TagEnd end = skip_attributes();
    if (end == TagEnd::malformed) return stop();
    const bool empty = end == TagEnd::empty;
    out_.tags.push_back(StartTag{name, line});
    if (!empty && static_cast<int>(open_.size()) >= kMaxElementDepth && !out_.too_deep)
      out_.too_deep = TooDeep{line, name};
    if (!empty) open_.push_back(Open{std::move(name), line});
  }

  void end_tag() {
    const int line = line_;
    pos_ += 2;
    const std::string name = read_element_name();
    skip_spaces();
    if (pos_ >= in_.size() || in_[pos_] != '>') return stop();
    advance();
    if (open_.empty()) {
      out_.mismatches.push_back(EndTagMismatch{line, name, "", 0});
      return;
    }
    if (open_.back().name != name)
      out_.mismatches.push_back(EndTagMismatch{line, name, open_.back().name, open_.back().line});
    open_.pop_back();
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::vector<Open> open_;
  StartTagScan out_;
};

}  // namespace

StartTagScan scan_start_tags(std::string_view xml) { return Scanner(xml).run(); }

}  // namespace haven::config
