#include "batch_source.hpp"

#include "batch_text.hpp"

namespace haven::cmd {
namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (c < 0x80) extra = 0;
    else if ((c >> 5) == 0x6) extra = 1;
    else if ((c >> 4) == 0xE) extra = 2;
    else if ((c >> 3) == 0x1E) extra = 3;
    else return false;
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += extra + 1;
  }
  return true;
}

void replace_all(std::string& s, std::string_view from, char to, bool& changed) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (std::string_view(s).substr(i, from.size()) == from) {
      out += to;
      i += from.size();
      changed = true;
    } else {
      out += s[i++];
    }
  }
  s = std::move(out);
}

bool is_comment_line(std::string_view line) {
  while (!line.empty() && (is_delimiter(line.front()) || line.front() == '@')) line.remove_prefix(1);
  if (!line.empty() && line.front() == ':') return true;
  if (line.size() < 3 || !iequals(line.substr(0, 3), "rem")) return false;
  return line.size() == 3 || is_delimiter(line[3]) || line[3] == '/';
}

}  // namespace

bool normalise_typographic_quotes(std::string& line) {
  bool changed = false;
  if (valid_utf8(line)) {
    replace_all(line, "\u201C", '"', changed);
    replace_all(line, "\u201D", '"', changed);
    replace_all(line, "\u201E", '"', changed);
    // A lone ’ is an apostrophe ("l’application"); only a line that opens with ‘ quotes with them.
    if (line.find("\u2018") != std::string::npos) {
      replace_all(line, "\u2018", '"', changed);
      replace_all(line, "\u2019", '"', changed);
    }
    return changed;
  }
  const bool single_pair = line.find('\x91') != std::string::npos;
  for (auto& c : line) {
    if (c == '\x93' || c == '\x94' || (single_pair && (c == '\x91' || c == '\x92'))) {
      c = '"';
      changed = true;
    }
  }
  return changed;
}

bool is_label_line(std::string_view line) {
  while (!line.empty() && is_delimiter(line.front())) line.remove_prefix(1);
  return !line.empty() && line.front() == ':';
}

std::string label_name(std::string_view text) {
  while (!text.empty() && (is_delimiter(text.front()))) text.remove_prefix(1);
  if (!text.empty() && text.front() == ':') text.remove_prefix(1);
  std::size_t end = 0;
  while (end < text.size() && !is_delimiter(text[end]) && text[end] != '&' && text[end] != '|' &&
         text[end] != '<' && text[end] != '>' && text[end] != '+' && text[end] != ':')
    ++end;
  return to_lower(text.substr(0, end));
}

std::optional<std::size_t> BatchSource::find_label(std::string_view name, std::size_t from) const {
  const auto wanted = to_lower(name);
  for (std::size_t pass = 0; pass < 2; ++pass) {
    const std::size_t begin = pass == 0 ? from : 0;
    const std::size_t end = pass == 0 ? lines.size() : std::min(from, lines.size());
    for (std::size_t i = begin; i < end; ++i)
      if (is_label_line(lines[i]) && label_name(lines[i]) == wanted) return i;
  }
  return std::nullopt;
}

BatchSource make_batch_source(std::string path, std::string_view text) {
  BatchSource src;
  src.path = std::move(path);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  while (!text.empty() && text.back() == '\x1A') text.remove_suffix(1);  // DOS end-of-file mark
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start == text.size()) break;
      nl = text.size();
    }
    std::string line(text.substr(start, nl - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (normalise_typographic_quotes(line) && !is_comment_line(line))
      src.warnings.push_back(src.path + ":" + std::to_string(src.lines.size() + 1) +
                             ": warning: typographic quotes (“ ” ‘ ’) read as plain quotes \"; "
                             "retype them as \" to silence this warning");
    src.lines.push_back(std::move(line));
    start = nl + 1;
  }
  return src;
}

}  // namespace haven::cmd
