// Time values ("700ms", "30s", "24h", bare numbers) from userconfig.xml and cluster.xml.
// Input: the first byte picks the default unit, the rest is the text.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/duration.hpp"
#include "fuzz_check.hpp"

using haven::config::DurationUnit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::array kUnits{DurationUnit::microseconds, DurationUnit::milliseconds,
                                     DurationUnit::seconds,      DurationUnit::minutes,
                                     DurationUnit::hours,        DurationUnit::days};
  DurationUnit unit = kUnits[data[0] % kUnits.size()];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto parsed = haven::config::parse_duration(text, unit);
  if (!parsed.ok()) {
    HAVEN_FUZZ_CHECK(!parsed.error().message.empty(), "a refusal says why");
    return 0;
  }
  HAVEN_FUZZ_CHECK(parsed.value().count() >= 0, "a duration is never negative");

  // format_duration promises exact text: reading it back gives the same value, whatever the
  // default unit (the text always carries its unit).
  std::string formatted = haven::config::format_duration(parsed.value());
  for (DurationUnit other : kUnits) {
    auto again = haven::config::parse_duration(formatted, other);
    HAVEN_FUZZ_CHECK(again.ok(), "format_duration wrote \"" + formatted +
                                     "\", which parse_duration refuses: " +
                                     (again.ok() ? std::string() : again.error().message));
    HAVEN_FUZZ_CHECK(again.value() == parsed.value(),
                     "\"" + std::string(text) + "\" -> " + std::to_string(parsed.value().count()) +
                         "ms -> \"" + formatted + "\" -> " +
                         std::to_string(again.value().count()) + "ms");
  }
  return 0;
}
