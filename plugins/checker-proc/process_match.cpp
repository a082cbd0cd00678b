#include "process_match.hpp"

#include <charconv>

namespace haven::checker_proc {
namespace {

std::string where(const ConfigNode& node) {
  std::string place = node.file.empty() ? std::string("configuration") : node.file;
  if (node.line > 0) place += ":" + std::to_string(node.line);
  return place + " <" + (node.path.empty() ? node.name : node.path) + ">";
}

Result<long> read_count(const ConfigNode& node, const char* attribute, long fallback, long minimum) {
  auto text = node.attribute(attribute);
  if (!text) return fallback;
  long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value < minimum)
    return fail(Errc::invalid_argument, "haven.checker.proc: " + where(node) + " has " + attribute + "=\"" + *text +
                                            "\", expected a whole number from " + std::to_string(minimum));
  return value;
}

Result<std::optional<std::regex>> read_regex(const ConfigNode& node, const char* attribute, std::string& text_out) {
  auto text = node.attribute(attribute);
  if (!text || text->empty()) return std::optional<std::regex>{};
  text_out = *text;
  try {
    (void)std::regex(*text, std::regex::extended);  // refused as written, not as wrapped below
    // A name or command line is whatever a local user made it, hundreds of KiB at will. A
    // search with libstdc++'s default (backtracking) executor recurses once per character
    // (a long subject overflows the stack) and restarts at each position (quadratic, or
    // worse). So the expression is matched as .*(E).* over the whole subject by the
    // Thompson executor (__polynomial): one pass, linear, with no recursion per character.
    // Same answer as searching for E: an extended expression has no back-references.
    return std::optional<std::regex>{
        std::regex(".*(" + *text + ").*", std::regex::extended | std::regex_constants::__polynomial)};
  } catch (const std::regex_error& e) {
    return fail(Errc::invalid_argument, "haven.checker.proc: " + where(node) + " has " + attribute + "=\"" + *text +
                                            "\", expected an extended regular expression (" + e.what() + ")");
  }
}

std::string arguments(const ProcessInfo& process) {
  std::string joined;
  for (std::size_t i = 1; i < process.argv.size(); ++i) {
    if (i > 1) joined += ' ';
    joined += process.argv[i];
  }
  return joined;
}

}  // namespace

Result<ProcessRule> parse_process_rule(const ConfigNode& element) {
  ProcessRule rule;
  auto name = element.attribute("name");
  if (!name || name->empty())
    return fail(Errc::invalid_argument,
                "haven.checker.proc: " + where(element) + " has no name, expected name=\"<program or service name>\"");
  rule.name = *name;
  auto name_regex = read_regex(element, "nameregex", rule.name_regex_text);
  if (!name_regex) return name_regex.error();
  rule.name_regex = std::move(*name_regex);
  auto arg_regex = read_regex(element, "argregex", rule.arg_regex_text);
  if (!arg_regex) return arg_regex.error();
  rule.arg_regex = std::move(*arg_regex);
  auto atleast = read_count(element, "atleast", 1, 0);
  if (!atleast) return atleast.error();
  rule.atleast = *atleast;
  auto atmax = read_count(element, "atmax", -1, -1);
  if (!atmax) return atmax.error();
  rule.atmax = *atmax;
  if (rule.atmax >= 0 && rule.atmax < rule.atleast)
    return fail(Errc::invalid_argument, "haven.checker.proc: " + where(element) + " has atmax=\"" +
                                            std::to_string(rule.atmax) + "\" below atleast=\"" +
                                            std::to_string(rule.atleast) + "\", expected atmax >= atleast or -1");
  return rule;
}

std::string program_name(const ProcessInfo& process) {
  if (process.argv.empty() || process.argv.front().empty()) return process.comm;
  const std::string& first = process.argv.front();
  const auto slash = first.find_last_of('/');
  return slash == std::string::npos ? first : first.substr(slash + 1);
}

bool matches(const ProcessRule& rule, const ProcessInfo& process) {
  const std::string name = program_name(process);
  const bool name_ok = rule.name_regex ? std::regex_match(name, *rule.name_regex)
                                       : (name == rule.name || process.comm == rule.name);
  if (!name_ok) return false;
  return !rule.arg_regex || std::regex_match(arguments(process), *rule.arg_regex);
}

long count_matching(const ProcessRule& rule, const std::vector<ProcessInfo>& processes) {
  long count = 0;
  for (const auto& p : processes)
    if (matches(rule, p)) ++count;
  return count;
}

ProcessVerdict judge(const ProcessRule& rule, long count) {
  std::string what = rule.name_regex ? "matching \"" + rule.name_regex_text + "\"" : "named " + rule.name;
  if (rule.arg_regex) what += " with arguments matching \"" + rule.arg_regex_text + "\"";
  std::string expected = "at least " + std::to_string(rule.atleast);
  if (rule.atmax >= 0) expected += ", at most " + std::to_string(rule.atmax);
  const bool up = count >= rule.atleast && (rule.atmax < 0 || count <= rule.atmax);
  const std::string noun = count == 1 ? " process " : " processes ";
  return ProcessVerdict{up, std::to_string(count) + noun + what + " running (" + expected + " expected)"};
}

}  // namespace haven::checker_proc
