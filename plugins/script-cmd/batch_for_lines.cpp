#include "batch_for_lines.hpp"

#include <algorithm>
#include <cctype>

#include "batch_text.hpp"

namespace haven::cmd {
namespace {

std::size_t find_keyword(std::string_view options, std::string_view keyword, std::size_t from = 0) {
  const auto lower = to_lower(options);
  auto at = lower.find(keyword, from);
  while (at != std::string::npos && at > 0 && !is_blank(lower[at - 1])) at = lower.find(keyword, at + 1);
  return at;
}

Result<std::vector<int>> parse_tokens(std::string_view spec, bool& rest) {
  std::vector<int> out;
  if (!spec.empty() && spec.back() == '*') {
    rest = true;
    spec.remove_suffix(1);
  }
  std::size_t start = 0;
  while (start < spec.size()) {
    auto end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    const auto item = spec.substr(start, end - start);
    const auto dash = item.find('-');
    long long first = 0, last = 0;
    if (!parse_batch_integer(item.substr(0, dash), first) ||
        (dash != std::string_view::npos && !parse_batch_integer(item.substr(dash + 1), last)))
      return fail(Errc::parse_error, "'for /f' option tokens=" + std::string(spec) + ": expected numbers like 1,3-4*");
    if (dash == std::string_view::npos) last = first;
    if (first < 1 || last < first || last > 31)
      return fail(Errc::parse_error, "'for /f' option tokens=" + std::string(spec) + ": tokens go from 1 to 31");
    for (auto n = first; n <= last; ++n) out.push_back(static_cast<int>(n));
    start = end + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Result<ForLinesOptions> parse_for_lines_options(std::string_view options) {
  ForLinesOptions out;
  // delims= runs to the end of the string unless another option follows it.
  std::string text(options);
  if (const auto at = find_keyword(text, "delims="); at != std::string::npos) {
    std::size_t end = text.size();
    for (const char* next : {" tokens=", " skip=", " eol=", " usebackq"}) {
      const auto n = to_lower(text).find(next, at);
      if (n != std::string::npos) end = std::min(end, n);
    }
    out.delims = text.substr(at + 7, end - at - 7);
    text.erase(at, end - at);
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    if (pos >= text.size()) break;
    auto end = text.find_first_of(" \t", pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    const auto lower = to_lower(word);
    if (lower == "usebackq") {
      out.usebackq = true;
    } else if (lower.rfind("tokens=", 0) == 0) {
      auto tokens = parse_tokens(word.substr(7), out.rest);
      if (!tokens.ok()) return std::move(tokens).error();
      out.tokens = std::move(tokens).value();
    } else if (lower.rfind("skip=", 0) == 0) {
      long long n = 0;
      if (!parse_batch_integer(word.substr(5), n) || n < 0)
        return fail(Errc::parse_error, "'for /f' option " + word + ": expected a number of lines");
      out.skip = static_cast<int>(n);
    } else if (lower.rfind("eol=", 0) == 0) {
      if (word.size() == 4) out.eol.reset();
      else out.eol = word[4];
      // eol= followed by a blank means the blank: the word ended there.
      if (word.size() == 4 && end < text.size()) {
        out.eol = text[end];
        ++end;
      }
    } else {
      return fail(Errc::unsupported, "'for /f' option '" + word + "' (known: tokens= delims= skip= eol= usebackq)");
    }
    pos = end;
  }
  return out;
}

std::optional<std::vector<std::string>> split_for_line(std::string_view line, const ForLinesOptions& options) {
  if (line.empty()) return std::nullopt;
  if (options.eol && line.front() == *options.eol) return std::nullopt;
  const auto is_delim = [&](char c) { return options.delims.find(c) != std::string::npos; };
  // Token n starts at starts[n-1].
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_delim(line[i])) ++i;
    if (i >= line.size()) break;
    const auto start = i;
    while (i < line.size() && !is_delim(line[i])) ++i;
    spans.emplace_back(start, i);
  }
  std::vector<std::string> values;
  bool any = false;
  for (int n : options.tokens) {
    const auto k = static_cast<std::size_t>(n - 1);
    if (k < spans.size()) {
      values.emplace_back(line.substr(spans[k].first, spans[k].second - spans[k].first));
      any = true;
    } else {
      values.emplace_back();
    }
  }
  if (options.rest) {
    const auto k = options.tokens.empty() ? 0 : static_cast<std::size_t>(options.tokens.back());
    if (k < spans.size()) {
      values.emplace_back(line.substr(spans[k].first));
      any = true;
    } else {
      values.emplace_back();
    }
  }
  if (!any) return std::nullopt;
  return values;
}

}  // namespace haven::cmd
