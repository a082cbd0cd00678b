// A property a fuzz target asserts about a parser's output: when it does not hold, the input
// is a bug, so abort and let libFuzzer save it (same as a sanitizer finding).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define HAVEN_FUZZ_CHECK(condition, explanation)                                           \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n  %s\n", __FILE__, __LINE__, \
                   #condition, std::string(explanation).c_str());                          \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

namespace haven::fuzz {

/// `s` with every byte that is not printable ASCII (and the backslash) as \xNN, for the
/// explanation of a violated property.
inline std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\') {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace haven::fuzz
