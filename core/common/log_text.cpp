#include "common/log_text.hpp"

#include <cstdio>

namespace haven {

std::string log_text(std::string_view text, std::size_t max) {
  const bool cut = text.size() > max;
  if (cut) text = text.substr(0, max);
  std::string out;
  out.reserve(text.size() + 3);
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (cut) out += "...";
  return out;
}

}  // namespace haven
