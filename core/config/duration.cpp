#include "config/duration.hpp"

#include <cctype>
#include <cstdint>
#include <string>

namespace haven::config {
namespace {

constexpr std::int64_t kMaxMilliseconds = std::int64_t{100} * 365 * 24 * 3600 * 1000;  // 100 years

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool unit_from_text(std::string_view text, DurationUnit& unit) {
  if (text == "us") unit = DurationUnit::microseconds;
  else if (text == "ms") unit = DurationUnit::milliseconds;
  else if (text == "s") unit = DurationUnit::seconds;
  else if (text == "m") unit = DurationUnit::minutes;
  else if (text == "h") unit = DurationUnit::hours;
  else if (text == "d") unit = DurationUnit::days;
  else return false;
  return true;
}

Error not_a_time(std::string_view text, std::string_view why = {}) {
  std::string msg = "\"" + std::string(text) + "\" is not a time";
  if (!why.empty()) msg += " (" + std::string(why) + ")";
  msg += "; expected a number with an optional unit (ms, s, m, h, d), e.g. 700ms";
  return fail(Errc::invalid_argument, std::move(msg));
}

}  // namespace

const char* to_string(DurationUnit unit) noexcept {
  switch (unit) {
    case DurationUnit::microseconds: return "us";
    case DurationUnit::milliseconds: return "ms";
    case DurationUnit::seconds: return "s";
    case DurationUnit::minutes: return "m";
    case DurationUnit::hours: return "h";
    case DurationUnit::days: return "d";
  }
  return "ms";
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text, DurationUnit default_unit) {
  const std::string_view s = trim(text);
  std::size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0) return not_a_time(text);
  if (digits > 15) return not_a_time(text, "too large");
  std::int64_t number = 0;
  for (std::size_t i = 0; i < digits; ++i) number = number * 10 + (s[i] - '0');

  DurationUnit unit = default_unit;
  const std::string_view suffix = trim(s.substr(digits));
  if (!suffix.empty() && !unit_from_text(suffix, unit)) return not_a_time(text);

  std::int64_t per_unit_us = 1;
  switch (unit) {
    case DurationUnit::microseconds: per_unit_us = 1; break;
    case DurationUnit::milliseconds: per_unit_us = 1000; break;
    case DurationUnit::seconds: per_unit_us = 1000 * 1000; break;
    case DurationUnit::minutes: per_unit_us = std::int64_t{60} * 1000 * 1000; break;
    case DurationUnit::hours: per_unit_us = std::int64_t{3600} * 1000 * 1000; break;
    case DurationUnit::days: per_unit_us = std::int64_t{86400} * 1000 * 1000; break;
  }
  // number < 10^15 and a day is 8.64e10 us: divide first so nothing overflows.
  const std::int64_t per_unit_ms = per_unit_us / 1000;
  std::int64_t ms = 0;
  if (per_unit_ms == 0) {
    ms = (number + 999) / 1000;
  } else {
    if (number > kMaxMilliseconds / per_unit_ms) return not_a_time(text, "too large");
    ms = number * per_unit_ms;
  }
  if (ms > kMaxMilliseconds) return not_a_time(text, "too large");
  return std::chrono::milliseconds(ms);
}

std::string format_duration(std::chrono::milliseconds value) {
  const auto ms = value.count();
  if (ms == 0) return "0s";
  if (ms % 86400000 == 0) return std::to_string(ms / 86400000) + "d";
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace haven::config
