#include "config/start_tag_scan.hpp"

#include <cctype>

namespace haven::config {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

class Scanner {
 public:
  explicit Scanner(std::string_view in) : in_(in) {}

  StartTagScan run() {
    while (pos_ < in_.size()) {
      if (starts_with("<!--")) skip_through("-->");
      else if (starts_with("<![CDATA[")) skip_through("]]>");
      else if (starts_with("<?")) skip_through("?>");
      else if (starts_with("<!")) skip_declaration();
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

  std::string read_name() {
    std::string name;
    while (pos_ < in_.size() && is_name_char(in_[pos_])) name += in_[pos_++];
    return name;
  }

  // Returns true when the tag ends with "/>".
  bool skip_rest_of_tag() {
    char quote = 0;
    char previous = 0;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      advance();
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        return previous == '/';
      }
      previous = c;
    }
    return false;
  }

  void start_tag() {
    const int line = line_;
    ++pos_;
    std::string name = read_name();
    const bool empty = skip_rest_of_tag();
    out_.tags.push_back(StartTag{name, line});
    if (!empty && static_cast<int>(open_.size()) >= kMaxElementDepth && !out_.too_deep)
      out_.too_deep = TooDeep{line, name};
    if (!empty) open_.push_back(Open{std::move(name), line});
  }

  void end_tag() {
    const int line = line_;
    pos_ += 2;
    const std::string name = read_name();
    skip_rest_of_tag();
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
