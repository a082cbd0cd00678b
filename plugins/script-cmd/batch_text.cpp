#include "batch_text.hpp"

#include <cctype>

namespace haven::cmd {

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string strip_quotes(std::string_view s) {
  if (!s.empty() && s.front() == '"') {
    s.remove_prefix(1);
    if (!s.empty() && s.back() == '"') s.remove_suffix(1);
  }
  return std::string(s);
}

std::vector<std::string> split_batch_arguments(std::string_view text) {
  std::vector<std::string> args;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_delimiter(text[i])) ++i;
    if (i >= text.size()) break;
    std::string arg;
    bool quoted = false;
    while (i < text.size() && (quoted || !is_delimiter(text[i]))) {
      if (text[i] == '"') quoted = !quoted;
      arg += text[i++];
    }
    args.push_back(std::move(arg));
  }
  return args;
}

std::vector<std::string> split_program_arguments(std::string_view text) {
  std::vector<std::string> args;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i >= text.size()) break;
    std::string arg;
    bool quoted = false;
    while (i < text.size() && (quoted || !is_blank(text[i]))) {
      const char c = text[i];
      if (c == '"') {
        if (quoted && i + 1 < text.size() && text[i + 1] == '"') {
          arg += '"';
          i += 2;
          continue;
        }
        quoted = !quoted;
        ++i;
        continue;
      }
      arg += c;
      ++i;
    }
    args.push_back(std::move(arg));
  }
  return args;
}

std::string quote_batch_argument(const std::string& arg) {
  if (arg.empty()) return "\"\"";
  for (char c : arg)
    if (is_delimiter(c)) return "\"" + arg + "\"";
  return arg;
}

bool parse_batch_integer(std::string_view text, long long& out) {
  bool negative = false;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  if (i >= text.size()) return false;
  int base = 10;
  if (text[i] == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
    base = 16;
    i += 2;
    if (i >= text.size()) return false;
  } else if (text[i] == '0' && i + 1 < text.size()) {
    base = 8;
    ++i;
  }
  unsigned long long value = 0;
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    int digit = 0;
    if (std::isdigit(c)) digit = c - '0';
    else if (std::isxdigit(c)) digit = std::tolower(c) - 'a' + 10;
    else return false;
    if (digit >= base) return false;
    value = value * static_cast<unsigned>(base) + static_cast<unsigned>(digit);
    if (value > 0xFFFFFFFFull) value = 0xFFFFFFFFull + 1;  // saturates; callers clamp
  }
  out = negative ? -static_cast<long long>(value) : static_cast<long long>(value);
  return true;
}

}  // namespace haven::cmd
