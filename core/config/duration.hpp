// Time values as the seed product writes them: a whole number with an optional unit
// (us, ms, s, m, h, d); a bare number counts in the attribute's own default unit.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "haven/result.hpp"

namespace haven::config {

enum class DurationUnit { microseconds, milliseconds, seconds, minutes, hours, days };

/// "us", "ms", "s", "m", "h", "d".
const char* to_string(DurationUnit unit) noexcept;

/// Parses "700ms", "30s", "24h", "0", " 5 m " into milliseconds; a bare number is in
/// `default_unit`. Microseconds round up to the next millisecond so that a non-zero time
/// never becomes zero. invalid_argument (message quoting the text and saying what is
/// expected) for anything else: empty, negative, fractional, unknown unit, or too large.
Result<std::chrono::milliseconds> parse_duration(std::string_view text, DurationUnit default_unit);

/// The shortest exact text for a duration: "700ms", "30s", "24h", "0s".
std::string format_duration(std::chrono::milliseconds value);

}  // namespace haven::config
