// userconfig.xml as an administrator (or a downloaded .safe) may write it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "config/user_config_loader.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // Fixed, so that %NAME% expansion from the environment is exercised and runs reproduce.
  static const std::map<std::string, std::string> env{
      {"SAFE", "/opt/safekit"}, {"SAFEVAR", "/var/safekit"}, {"HOSTNAME", "node1"}, {"EMPTY", ""}};

  auto loaded = haven::config::parse_user_config(text, "fuzz/userconfig.xml", env);

  HAVEN_FUZZ_CHECK(loaded.config.has_value() == !loaded.has_errors(),
                   "the model must be present exactly when there is no error");
  int previous_line = 0;
  for (const auto& d : loaded.diagnostics) {
    HAVEN_FUZZ_CHECK(d.line >= 0, "a diagnostic line is 1-based, or 0 when unknown");
    HAVEN_FUZZ_CHECK(d.line == 0 || d.line >= previous_line,
                     "diagnostics are ordered by line: " + d.to_string());
    if (d.line != 0) previous_line = d.line;
    HAVEN_FUZZ_CHECK(!d.message.empty(), "a diagnostic says something: " + d.to_string());
  }
  return 0;
}
