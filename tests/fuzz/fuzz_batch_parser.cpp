// The batch reader and parser, as a hook file reaches them: any bytes are split into lines,
// percent-expanded with a fixed environment and arguments, then parsed statement by
// statement (joining lines while a block is open), as the interpreter does.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "batch_arithmetic.hpp"
#include "batch_expansion.hpp"
#include "batch_for_lines.hpp"
#include "batch_parser.hpp"
#include "batch_source.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto source = haven::cmd::make_batch_source("fuzz.cmd", text);

  haven::cmd::ExpansionScope scope;
  scope.variable = [](std::string_view name) -> std::optional<std::string> {
    if (name == "SAFE" || name == "safe") return std::string("/opt/haven/bin/");
    if (name == "X") return std::string("a&b (c) \"d\"");
    return std::nullopt;
  };
  scope.args = {"fuzz.cmd", "\"a b\"", "force"};
  scope.all_args = "\"a b\" force";
  scope.cwd = "/work";

  std::size_t i = 0;
  while (i < source.lines.size()) {
    if (source.lines[i].find('\n') != std::string::npos) HAVEN_FUZZ_CHECK(false, "a source line holds a newline");
    if (haven::cmd::is_label_line(source.lines[i])) {
      (void)haven::cmd::label_name(source.lines[i]);
      ++i;
      continue;
    }
    std::string statement = haven::cmd::expand_percent(source.lines[i], scope);
    while (true) {
      auto parsed = haven::cmd::parse_statement(statement);
      if (!parsed.ok()) {
        HAVEN_FUZZ_CHECK(!parsed.error().message.empty(), "a refusal says why");
        break;
      }
      if (!parsed.value().incomplete) {
        HAVEN_FUZZ_CHECK(parsed.value().node != nullptr, "a complete statement has a tree");
        break;
      }
      HAVEN_FUZZ_CHECK(!parsed.value().incomplete_reason.empty(), "an incomplete statement says what is open");
      if (++i >= source.lines.size()) break;
      statement += "\n" + haven::cmd::expand_percent(source.lines[i], scope);
    }
    ++i;
  }

  // set /a reads outside text too: it must answer, never crash.
  const haven::cmd::VariableLookup get = [](std::string_view) -> std::optional<std::string> { return "7"; };
  const haven::cmd::VariableAssign set = [](std::string_view, std::string) {};
  (void)haven::cmd::evaluate_arithmetic(text.substr(0, 256), get, set);
  (void)haven::cmd::expand_delayed(text.substr(0, 256), get);

  // for /f options and line splitting: the first line is the options, the rest the data.
  const auto newline = text.find('\n');
  auto options = haven::cmd::parse_for_lines_options(text.substr(0, std::min<std::size_t>(newline, 256)));
  if (options.ok() && newline != std::string_view::npos) {
    const auto values = haven::cmd::split_for_line(text.substr(newline + 1), options.value());
    if (values)
      HAVEN_FUZZ_CHECK(values->size() == options.value().tokens.size() + (options.value().rest ? 1 : 0),
                       "one value per variable");
  }
  return 0;
}
