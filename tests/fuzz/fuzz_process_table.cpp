// What the process checker reads from /proc (plugins/checker-proc: `parse_process_entry`,
// `program_name`, `matches`, `count_matching`, `judge`). A process's comm and command line
// are chosen by whoever runs it, any local user: any bytes, NULs and newlines included, and
// command lines up to the kernel's limits (hundreds of KiB).
// Input: byte 0 picks the <proc> rule (a fixed list of the kinds of names and regular
// expressions administrators write: the expressions are trusted configuration, the process
// data is not); byte 1, when not 0, makes the command line byte1 * 256 bytes long (up to
// 64 KiB, past the ~11-25 KiB where a backtracking search overflowed the stack) by repeating
// the input's; bytes 2 and 3 are the lengths of the folder name and of comm; then the folder
// name, comm, and the command line. The rules are made by parse_process_rule, as from
// userconfig.xml.
// Properties: no crash (stack included) and no exception; a process is parsed only from an
// all-digits folder holding an int pid; comm is read up to a NUL and loses one trailing
// newline; the argv
// joined with NULs gives the command line back (less one final NUL) and holds no NUL;
// program_name never holds '/' when argv[0] is set; a rule without regex matches exactly on
// the program name or comm; on short subjects a rule answers as a plain std::regex_search of
// its expressions would; one evaluation of a rule on a process takes < 2 s.
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "process_match.hpp"
#include "process_table.hpp"

using namespace haven::checker_proc;

namespace {

struct RuleText {
  const char* name;
  const char* name_regex;
  const char* arg_regex;
};

constexpr RuleText kRules[] = {
    {"nginx", "", ""},
    {"java", "^(java|javaw)$", "-jar [^ ]*app\\.jar"},
    {"mysqld", "mysql.*d$", ""},
    {"sleep", "", "a.*b"},
    {"x", ".*", "(a|b)*c"},
    {"postgres", "", "-D [^ ]+/data"},
    {"x", "^s", "--config=(/[a-z0-9_.-]+)+"},
    {"haven-agent", "", "(^| )-m( |$)"},
};

struct CompiledRule {
  ProcessRule rule;
  std::optional<std::regex> name_search;  // the expressions as written, for searching short subjects
  std::optional<std::regex> arg_search;
};

CompiledRule make_rule(const RuleText& text) {
  haven::ConfigNode node;
  node.name = "proc";
  node.file = "userconfig.xml";
  node.line = 12;
  node.attributes = {{"name", text.name}, {"atleast", "1"}, {"atmax", "2"}};
  if (*text.name_regex != '\0') node.attributes.emplace_back("nameregex", text.name_regex);
  if (*text.arg_regex != '\0') node.attributes.emplace_back("argregex", text.arg_regex);
  auto rule = parse_process_rule(node);
  HAVEN_FUZZ_CHECK(rule.ok(), "the fixed rule does not parse: " + (rule.ok() ? std::string() : rule.error().message));
  CompiledRule out{std::move(*rule), {}, {}};
  if (*text.name_regex != '\0') out.name_search.emplace(text.name_regex, std::regex::extended);
  if (*text.arg_regex != '\0') out.arg_search.emplace(text.arg_regex, std::regex::extended);
  return out;
}

const std::vector<CompiledRule>& rules() {
  static const std::vector<CompiledRule> all = [] {
    std::vector<CompiledRule> out;
    for (const auto& t : kRules) out.push_back(make_rule(t));
    return out;
  }();
  return all;
}

std::string arguments(const ProcessInfo& p) {
  std::string joined;
  for (std::size_t i = 1; i < p.argv.size(); ++i) joined += (i > 1 ? " " : "") + p.argv[i];
  return joined;
}

std::string join_with_nul(const std::vector<std::string>& argv) {
  std::string out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += '\0';
    out += argv[i];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const auto& compiled = rules()[data[0] % rules().size()];
  const ProcessRule& rule = compiled.rule;
  const std::size_t amplify = data[1];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 4, size - 4);
  const std::string_view folder = rest.substr(0, data[2] % 16);
  const std::string_view comm = rest.substr(folder.size(), data[3] % 64);
  const std::string_view seed = rest.substr(folder.size() + comm.size());
  std::string cmdline(seed);
  if (amplify > 0 && !seed.empty()) {
    const std::size_t want = amplify * 256;
    cmdline.reserve(want + seed.size());
    while (cmdline.size() < want) cmdline += seed;
    cmdline.resize(want);
  }

  const auto process = parse_process_entry(folder, comm, cmdline);
  bool digits = !folder.empty();
  for (char c : folder) digits = digits && c >= '0' && c <= '9';
  int pid = 0;
  const bool fits =
      digits && std::from_chars(folder.data(), folder.data() + folder.size(), pid).ec == std::errc() && pid >= 0;
  const std::string_view comm_text = comm.substr(0, comm.find('\0'));  // a C string for the kernel
  if (!process) {
    HAVEN_FUZZ_CHECK(!fits || comm_text.empty(), "a process folder with a comm was skipped");
    return 0;
  }
  HAVEN_FUZZ_CHECK(fits, "a process was read from the folder '" + std::string(folder) + "'");
  HAVEN_FUZZ_CHECK(process->pid == pid, "pid " + std::to_string(process->pid) + " from folder " + std::string(folder));
  const std::string_view expected_comm =
      !comm_text.empty() && comm_text.back() == '\n' ? comm_text.substr(0, comm_text.size() - 1) : comm_text;
  HAVEN_FUZZ_CHECK(process->comm == expected_comm, "comm not read as written");
  const std::string_view expected_line =
      !cmdline.empty() && cmdline.back() == '\0' ? std::string_view(cmdline).substr(0, cmdline.size() - 1) : cmdline;
  HAVEN_FUZZ_CHECK(process->argv.empty() == cmdline.empty(), "argv empty for a command line that is not, or back");
  HAVEN_FUZZ_CHECK(join_with_nul(process->argv) == expected_line, "argv does not give the command line back");
  for (const auto& a : process->argv) HAVEN_FUZZ_CHECK(a.find('\0') == std::string::npos, "an argument holds a NUL");

  const std::string name = program_name(*process);
  if (!process->argv.empty() && !process->argv.front().empty())
    HAVEN_FUZZ_CHECK(name.find('/') == std::string::npos, "program name '" + name + "' holds a '/'");
  else
    HAVEN_FUZZ_CHECK(name == process->comm, "without argv[0] the program name is not comm");

  const auto start = std::chrono::steady_clock::now();
  const bool match = matches(rule, *process);
  const auto took = std::chrono::steady_clock::now() - start;
  HAVEN_FUZZ_CHECK(took < std::chrono::seconds(2),
                   "one match of rule '" + rule.name + "' on a " + std::to_string(cmdline.size()) + "-byte command line took " +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) + " ms");
  if (!rule.name_regex && !rule.arg_regex)
    HAVEN_FUZZ_CHECK(match == (name == rule.name || process->comm == rule.name), "exact-name match is wrong");
  // On short subjects, where a plain search is safe: the same answer as searching for the
  // expressions as written.
  const std::string args = arguments(*process);
  if (name.size() <= 256 && args.size() <= 256) {
    const bool name_ok = compiled.name_search ? std::regex_search(name, *compiled.name_search)
                                              : (name == rule.name || process->comm == rule.name);
    const bool searched = name_ok && (!compiled.arg_search || std::regex_search(args, *compiled.arg_search));
    HAVEN_FUZZ_CHECK(match == searched, "rule '" + rule.name + "' " + (match ? "matches" : "does not match") +
                                            " name '" + name + "' args '" + args + "', a search says the opposite");
  }

  const std::size_t copies = cmdline.size() > 4096 ? 1 : 3;  // long ones cost enough once
  const std::vector<ProcessInfo> table(copies, *process);
  const long count = count_matching(rule, table);
  HAVEN_FUZZ_CHECK(count == (match ? static_cast<long>(copies) : 0), "count_matching disagrees with matches");
  const auto verdict = judge(rule, count);
  HAVEN_FUZZ_CHECK(verdict.up == (count >= rule.atleast && count <= rule.atmax) && !verdict.reason.empty(),
                   "judge: " + verdict.reason);
  return 0;
}
