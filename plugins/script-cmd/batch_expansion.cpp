#include "batch_expansion.hpp"

#include <cctype>
#include <filesystem>

#include "batch_text.hpp"

namespace haven::cmd {
namespace {

constexpr std::string_view kPathModifiers = "fdpnxsatz";

bool is_path_modifier(char c) { return kPathModifiers.find(static_cast<char>(std::tolower(static_cast<unsigned char>(c)))) != std::string_view::npos; }

bool parse_int(std::string_view s, long long& out) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return parse_batch_integer(s, out);
}

std::size_t find_icase(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return i;
  return std::string_view::npos;
}

// The part after ':' in %VAR:~1,2% or %VAR:old=new%.
std::string modify_value(const std::string& value, std::string_view mod) {
  if (!mod.empty() && mod.front() == '~') {
    mod.remove_prefix(1);
    const auto comma = mod.find(',');
    long long start = 0;
    if (!parse_int(mod.substr(0, comma), start)) return value;
    const auto len = static_cast<long long>(value.size());
    start = start < 0 ? std::max(0LL, len + start) : std::min(start, len);
    if (comma == std::string_view::npos) return value.substr(static_cast<std::size_t>(start));
    long long count = 0;
    if (!parse_int(mod.substr(comma + 1), count)) return value;
    long long end = count < 0 ? len + count : std::min(len, start + count);
    if (end <= start) return {};
    return value.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start));
  }
  const auto eq = mod.find('=');
  if (eq == std::string_view::npos) return value;
  auto old_text = mod.substr(0, eq);
  const auto new_text = mod.substr(eq + 1);
  if (!old_text.empty() && old_text.front() == '*') {
    old_text.remove_prefix(1);
    const auto at = find_icase(value, old_text, 0);
    if (old_text.empty() || at == std::string_view::npos) return value;
    return std::string(new_text) + value.substr(at + old_text.size());
  }
  if (old_text.empty()) return value;
  std::string out;
  std::size_t from = 0;
  for (auto at = find_icase(value, old_text, 0); at != std::string_view::npos; at = find_icase(value, old_text, from)) {
    out.append(value, from, at - from);
    out += new_text;
    from = at + old_text.size();
  }
  out.append(value, from, std::string::npos);
  return out;
}

// `inner` is NAME or NAME:mod; nullopt when NAME is not defined.
std::optional<std::string> lookup_with_modifier(std::string_view inner, const VariableLookup& variable) {
  const auto colon = inner.find(':');
  const auto name = inner.substr(0, colon);
  if (name.empty()) return std::nullopt;
  auto value = variable(name);
  if (!value) return std::nullopt;
  if (colon == std::string_view::npos) return value;
  return modify_value(*value, inner.substr(colon + 1));
}

}  // namespace

std::string apply_path_modifiers(std::string_view modifiers, std::string_view value, const std::string& cwd) {
  const auto plain = strip_quotes(value);
  if (modifiers.empty()) return plain;
  namespace fs = std::filesystem;
  fs::path path(plain);
  if (!plain.empty() && path.is_relative() && !cwd.empty()) path = fs::path(cwd) / path;
  path = path.lexically_normal();
  const auto mods = to_lower(modifiers);
  const auto has = [&](char c) { return mods.find(c) != std::string::npos; };
  std::string out;
  if (has('z')) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (!ec) out += std::to_string(size);
  }
  const bool parts = has('d') || has('p') || has('n') || has('x');
  if (parts) {
    if (!out.empty()) out += ' ';
    if (has('p')) {
      auto dir = path.parent_path().string();
      if (dir.empty() || dir.back() != '/') dir += '/';
      out += dir;
    }
    if (has('n')) out += path.stem().string();
    if (has('x')) out += path.extension().string();
  } else if (has('f') || has('s')) {
    if (!out.empty()) out += ' ';
    out += path.string();
  }
  return out;
}

std::string expand_percent(std::string_view line, const ExpansionScope& scope) {
  std::string out;
  const auto arg = [&](int n) -> std::string {
    return static_cast<std::size_t>(n) < scope.args.size() ? scope.args[static_cast<std::size_t>(n)] : std::string();
  };
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= line.size()) break;  // a lone % at the end is dropped
    const char next = line[i + 1];
    if (next == '%') {
      out += '%';
      i += 2;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(next))) {
      out += arg(next - '0');
      i += 2;
      continue;
    }
    if (next == '*') {
      out += scope.all_args;
      i += 2;
      continue;
    }
    if (next == '~') {
      std::size_t j = i + 2;
      while (j < line.size() && is_path_modifier(line[j])) ++j;
      if (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j]))) {
        const auto modifiers = line.substr(i + 2, j - i - 2);
        auto value = arg(line[j] - '0');
        if (line[j] == '0' && !modifiers.empty() && !value.empty() && value.front() == ':' && !scope.script_path.empty())
          value = scope.script_path;
        out += apply_path_modifiers(modifiers, value, scope.cwd);
        i = j + 1;
        continue;
      }
    }
    const auto close = line.find('%', i + 1);
    const auto newline = line.find('\n', i + 1);
    if (close == std::string_view::npos || (newline != std::string_view::npos && newline < close)) {
      ++i;  // a lone % is dropped
      continue;
    }
    if (auto value = lookup_with_modifier(line.substr(i + 1, close - i - 1), scope.variable)) out += *value;
    i = close + 1;
  }
  return out;
}

std::string expand_delayed(std::string_view text, const VariableLookup& variable) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '^' && i + 1 < text.size() && text[i + 1] == '!') {
      out += '!';
      i += 2;
      continue;
    }
    if (c != '!') {
      out += c;
      ++i;
      continue;
    }
    const auto close = text.find('!', i + 1);
    if (close == std::string_view::npos) {
      ++i;
      continue;
    }
    if (auto value = lookup_with_modifier(text.substr(i + 1, close - i - 1), variable)) out += *value;
    i = close + 1;
  }
  return out;
}

std::string substitute_for_variables(std::string_view text, const std::vector<ForValue>& values,
                                     const std::string& cwd) {
  const auto find = [&values](char c) -> const ForValue* {
    for (const auto& v : values)
      if (v.variable == c) return &v;
    return nullptr;
  };
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '%' && i + 1 < text.size()) {
      if (const auto* v = find(text[i + 1])) {
        out += v->value;
        i += 2;
        continue;
      }
      if (text[i + 1] == '~') {
        // The variable is the last letter: in %~nxi the modifiers are n and x. With several
        // variables (tokens=), the first one in token order that ends the modifiers wins.
        bool done = false;
        for (const auto& v : values) {
          std::size_t j = i + 2;
          while (j < text.size() && is_path_modifier(text[j]) && text[j] != v.variable) ++j;
          if (j < text.size() && text[j] == v.variable) {
            out += apply_path_modifiers(text.substr(i + 2, j - i - 2), v.value, cwd);
            i = j + 1;
            done = true;
            break;
          }
        }
        if (done) continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string substitute_for_variable(std::string_view text, char variable, std::string_view value,
                                    const std::string& cwd) {
  return substitute_for_variables(text, {ForValue{variable, std::string(value)}}, cwd);
}

}  // namespace haven::cmd
