#include "config/typographic_quotes.hpp"

#include <cctype>

namespace haven::config {
namespace {

// UTF-8 of U+2018, U+2019, U+201C, U+201D all start E2 80, then 98 99 9C 9D.
char typographic_kind(std::string_view s, std::size_t i) {
  if (i + 3 > s.size()) return 0;
  if (static_cast<unsigned char>(s[i]) != 0xE2 || static_cast<unsigned char>(s[i + 1]) != 0x80) return 0;
  switch (static_cast<unsigned char>(s[i + 2])) {
    case 0x9C: case 0x9D: return '"';
    case 0x98: case 0x99: return '\'';
    default: return 0;
  }
}

class Repairer {
 public:
  explicit Repairer(std::string_view in) : in_(in) { out_.text.reserve(in.size()); }

  QuoteRepair run() {
    while (pos_ < in_.size()) {
      if (starts_with("<!--")) copy_through("-->");
      else if (starts_with("<![CDATA[")) copy_through("]]>");
      else if (starts_with("<?")) copy_through("?>");
      else if (starts_with("<!")) copy_through(">");
      else if (starts_with("</")) copy_through(">");
      else if (in_[pos_] == '<') start_tag();
      else copy_one();
    }
    return std::move(out_);
  }

 private:
  bool starts_with(std::string_view p) const { return in_.substr(pos_, p.size()) == p; }

  void copy_one() {
    if (in_[pos_] == '\n') ++line_;
    out_.text += in_[pos_++];
  }

  void copy_through(std::string_view end) {
    while (pos_ < in_.size() && !starts_with(end)) copy_one();
    for (std::size_t i = 0; i < end.size() && pos_ < in_.size(); ++i) copy_one();
  }

  void note_line() {
    if (out_.lines.empty() || out_.lines.back() != line_) out_.lines.push_back(line_);
  }

  void start_tag() {
    copy_one();  // '<'
    bool after_equals = false;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c == '>') { copy_one(); return; }
      if (c == '=') { after_equals = true; copy_one(); continue; }
      if (std::isspace(static_cast<unsigned char>(c))) { copy_one(); continue; }
      if (after_equals && (c == '"' || c == '\'')) {
        copy_one();
        while (pos_ < in_.size() && in_[pos_] != c) copy_one();
        if (pos_ < in_.size()) copy_one();
        after_equals = false;
        continue;
      }
      if (after_equals && typographic_kind(in_, pos_) != 0) {
        typographic_value(typographic_kind(in_, pos_));
        after_equals = false;
        continue;
      }
      after_equals = false;
      copy_one();
    }
  }

  // The value runs to the next typographic quote of the same kind; a plain quote of that
  // kind inside it is escaped so the repaired text stays well-formed.
  void typographic_value(char quote) {
    note_line();
    out_.text += quote;
    pos_ += 3;
    while (pos_ < in_.size()) {
      if (typographic_kind(in_, pos_) == quote) {
        note_line();
        out_.text += quote;
        pos_ += 3;
        return;
      }
      if (in_[pos_] == '>' ) return;  // unterminated: let the XML parser report it
      if (in_[pos_] == quote) {
        out_.text += quote == '"' ? "&quot;" : "&apos;";
        ++pos_;
        continue;
      }
      copy_one();
    }
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  int line_ = 1;
  QuoteRepair out_;
};

}  // namespace

QuoteRepair repair_typographic_quotes(std::string_view xml) { return Repairer(xml).run(); }

}  // namespace haven::config
