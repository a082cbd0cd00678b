// The `<failover>` rule language, as an administrator (or a broken editor) may write it.
// Properties: the parser never crashes; an accepted rule text evaluates without crashing on
// any resources, and every rule keeps its label, line and text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "failover_rules/rule_engine.hpp"
#include "failover_rules/rule_parser.hpp"
#include "fuzz_check.hpp"

using namespace haven::failover;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rules = parse_rules(text, "userconfig.xml", 1);
  if (!rules.ok()) {
    HAVEN_FUZZ_CHECK(rules.error().message.rfind("userconfig.xml line ", 0) == 0, "a refusal names the file and line");
    return 0;
  }
  ResourceValues values;
  values.local = {{"ip.a", "down"}, {"custom.db", "up"}, {"intf.eth0", "init"}, {"heartbeat.default", "up"}};
  values.remote = std::map<std::string, std::string>{{"custom.db", "down"}};
  for (const auto& rule : rules.value()) {
    HAVEN_FUZZ_CHECK(!rule.label.empty(), "a rule has a label");
    HAVEN_FUZZ_CHECK(rule.line >= 1, "a rule has a line");
    HAVEN_FUZZ_CHECK(rule.condition != nullptr, "a rule has a condition");
    (void)evaluate(*rule.condition, values);
  }
  RuleEngine engine(std::move(rules.value()), std::chrono::milliseconds(0));
  (void)engine.evaluate(values, std::chrono::steady_clock::time_point{} + std::chrono::seconds(1));
  return 0;
}
