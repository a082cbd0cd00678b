// Percent, delayed and for-variable expansion, typographic quotes, set /a.
#include <catch2/catch.hpp>

#include <map>

#include "batch_arithmetic.hpp"
#include "batch_expansion.hpp"
#include "batch_for_lines.hpp"
#include "batch_source.hpp"

using namespace haven;
using namespace haven::cmd;

namespace {

ExpansionScope scope_with(std::map<std::string, std::string> vars, std::vector<std::string> args = {}) {
  ExpansionScope scope;
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  scope.variable = [shared](std::string_view name) -> std::optional<std::string> {
    auto it = shared->find(std::string(name));
    if (it == shared->end()) return std::nullopt;
    return it->second;
  };
  scope.args = std::move(args);
  scope.cwd = "/work";
  return scope;
}

}  // namespace

TEST_CASE("percent expansion replaces variables, arguments and %%") {
  const auto scope = scope_with({{"SAFE", "/opt/haven/bin/"}}, {"script.cmd", "\"a b\"", "c"});
  CHECK(expand_percent("\"%SAFE%safekit\" printe", scope) == "\"/opt/haven/bin/safekit\" printe");
  CHECK(expand_percent("%1 %~1 %2 [%3]", scope) == "\"a b\" a b c []");
  CHECK(expand_percent("100%% [%UNDEFINED%] a%b", scope) == "100% [] ab");
  CHECK(expand_percent("%~dp0x", scope) == "/work/x");
}

TEST_CASE("delayed expansion reads !VAR! and keeps ^! as a literal") {
  const auto scope = scope_with({{"v", "after"}});
  CHECK(expand_delayed("[!v!] [!none!] ^!", scope.variable) == "[after] [] !");
}

TEST_CASE("for variables take path modifiers") {
  CHECK(substitute_for_variable("%~nxf|%f|%~f", 'f', "\"/a/b c.txt\"", "/") == "b c.txt|\"/a/b c.txt\"|/a/b c.txt");
}

TEST_CASE("typographic quotes are read as plain quotes, apostrophes are left alone") {
  std::string line = "\u201C%SAFE%safekit\u201D printe \u201Ex\u201D";
  CHECK(normalise_typographic_quotes(line));
  CHECK(line == "\"%SAFE%safekit\" printe \"x\"");
  std::string apostrophe = "echo l\u2019application";
  CHECK_FALSE(normalise_typographic_quotes(apostrophe));
  std::string cp1252 = "\x93%SAFE%safekit\x94 printe";
  CHECK(normalise_typographic_quotes(cp1252));
  CHECK(cp1252 == "\"%SAFE%safekit\" printe");
}

TEST_CASE("a source warns once per line with typographic quotes, not for comments") {
  const auto src = make_batch_source("start_prim.cmd",
                                     "\xEF\xBB\xBF@echo off\r\nrem \u201Cx\u201D\r\n\u201Ca\u201D \u201Cb\u201D\r\n");
  REQUIRE(src.lines.size() == 3);
  CHECK(src.lines[0] == "@echo off");
  REQUIRE(src.warnings.size() == 1);
  CHECK(src.warnings[0].rfind("start_prim.cmd:3: warning", 0) == 0);
}

TEST_CASE("labels are found forward first, then from the top") {
  const auto src = make_batch_source("x.cmd", ":a\necho\n:B extra\n:a\n");
  CHECK(src.find_label("a", 1) == 3u);
  CHECK(src.find_label("a", 4) == 0u);
  CHECK(src.find_label("b", 0) == 2u);
  CHECK_FALSE(src.find_label("c", 0));
}

TEST_CASE("set /a wraps at 32 bits and reports cmd's errors") {
  std::map<std::string, std::string> vars;
  const VariableLookup get = [&](std::string_view n) -> std::optional<std::string> {
    auto it = vars.find(std::string(n));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  const VariableAssign set = [&](std::string_view n, std::string v) { vars[std::string(n)] = std::move(v); };
  CHECK(evaluate_arithmetic("x = 3 * (4 + 1)", get, set).value() == 15);
  CHECK(vars["x"] == "15");
  CHECK(evaluate_arithmetic("x <<= 2", get, set).value() == 60);
  CHECK(evaluate_arithmetic("-2147483647 - 2", get, set).value() == 2147483647);
  CHECK(evaluate_arithmetic("1/0", get, set).error().message == "Divide by zero error.");
  CHECK(evaluate_arithmetic("1+", get, set).error().message == "Missing operand.");
  CHECK(evaluate_arithmetic("(1+2", get, set).error().message == "Unbalanced parenthesis.");
  CHECK(evaluate_arithmetic("08", get, set).error().message.find("Invalid number") != std::string::npos);
}

TEST_CASE("for /f options pick tokens, delimiters, skipped lines and the comment character") {
  auto options = parse_for_lines_options("tokens=2,4-5* delims=;, skip=2 eol=#");
  REQUIRE(options.ok());
  CHECK(options.value().tokens == std::vector<int>{2, 4, 5});
  CHECK(options.value().rest);
  CHECK(options.value().delims == ";,");
  CHECK(options.value().skip == 2);
  CHECK(options.value().eol == '#');
  const auto values = split_for_line("a;b,,c;d;e;f g;h", options.value());
  REQUIRE(values);
  CHECK(*values == std::vector<std::string>{"b", "d", "e", "f g;h"});
  CHECK_FALSE(split_for_line("#comment", options.value()));
  CHECK_FALSE(split_for_line(";;,", options.value()));
  CHECK(parse_for_lines_options("tokens=0").error().message.find("from 1 to 31") != std::string::npos);
  CHECK(parse_for_lines_options("bogus=1").error().code == Errc::unsupported);
}

TEST_CASE("finding 2: several for variables are substituted in one pass, a value never read again") {
  const std::vector<ForValue> values{{'c', "/a/b/x.txt"}, {'d', "%c"}};
  CHECK(substitute_for_variables("[%c] [%d] [%~nxc] [%~dpc]", values, "/") == "[/a/b/x.txt] [%c] [x.txt] [/a/b/]");
  CHECK(substitute_for_variable("%~nxi", 'i', "/p/q.cmd", "/") == "q.cmd");
}
