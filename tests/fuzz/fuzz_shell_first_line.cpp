// The shell hook's first bytes (`shell_command_line` in plugins/script-sh): which program
// execv() gets and with which argv. The input is the file's beginning, as read from disk.
// Checked against a model of the kernel's binfmt_script (fs/binfmt_script.c, Linux >= 5.1),
// which the header promises to follow, with haven's documented differences (a Windows line
// end on the "#!" line is ignored, a NUL byte on it is refused):
//   - "#!" lines: the same refusal (no interpreter, or an interpreter name cut by the
//     256-byte limit), else the same interpreter and the same optional argument (blanks
//     around dropped; only the first 256 bytes count, the 256th only when a newline ends
//     the line before it);
//   - argv is [interpreter, (argument), file, args...], or [file, args...] for ELF, or
//     [/bin/sh, file, args...]; no element holds a NUL or a newline (execv could not pass it).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "shell_command_line.hpp"

namespace {

using haven::fuzz::printable;

bool spacetab(char c) { return c == ' ' || c == '\t'; }

struct KernelLine {
  std::string interpreter;
  std::optional<std::string> argument;
};

// load_script() of fs/binfmt_script.c on a file starting with "#!", with haven's documented
// differences: a Windows line end is ignored, a NUL byte on the line is refused (the kernel
// would read the name and the argument as C strings), and the end of a file shorter than 256
// bytes ends the line as a newline would. `head` is the file's first bytes (at most 256).
// nullopt: refused (-ENOEXEC for the kernel).
std::optional<KernelLine> kernel_script_line(std::string_view head) {
  const std::size_t limit = haven::sh::kFirstLineLimit;
  std::string_view line;
  const auto newline = head.find('\n');
  if (newline != std::string_view::npos) {
    line = head.substr(2, newline - 2);
  } else if (head.size() < limit) {
    line = head.substr(2);
  } else {
    // No newline in the buffer: the interpreter's name must end (blank or NUL) within it,
    // byte 255 included; the line is then bytes 2..254 (the kernel writes its NUL on 255).
    std::size_t first = 2;
    while (first < limit && spacetab(head[first])) ++first;
    if (first == limit) return std::nullopt;
    std::size_t t = first;
    while (t < limit && !spacetab(head[t]) && head[t] != '\0') ++t;
    if (t == limit) return std::nullopt;
    line = head.substr(2, limit - 3);
  }
  if (line.find('\0') != std::string_view::npos) return std::nullopt;
  while (!line.empty() && (spacetab(line.back()) || line.back() == '\r')) line.remove_suffix(1);
  while (!line.empty() && spacetab(line.front())) line.remove_prefix(1);
  if (line.empty()) return std::nullopt;
  std::size_t sep = 0;
  while (sep < line.size() && !spacetab(line[sep])) ++sep;
  KernelLine out;
  out.interpreter = std::string(line.substr(0, sep));
  auto rest = line.substr(sep);
  while (!rest.empty() && spacetab(rest.front())) rest.remove_prefix(1);
  if (!rest.empty()) out.argument = std::string(rest);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view head(reinterpret_cast<const char*>(data), size);
  haven::ScriptRun run;
  run.hook = "start_prim";
  run.file = "/opt/haven/modules/m/bin/start_prim";
  run.args = {"WAIT", "ALONE", "start"};

  const auto cmd = haven::sh::shell_command_line(head, run);
  const std::string_view first = head.substr(0, haven::sh::kFirstLineLimit);
  if (first.rfind("#!", 0) == 0) {
    const auto kernel = kernel_script_line(first);
    if (!kernel) {
      HAVEN_FUZZ_CHECK(!cmd.ok(), "the kernel refuses this #! line, haven runs '" +
                                      (cmd.ok() ? printable(cmd->program) : std::string()) +
                                      "': " + printable(first));
      HAVEN_FUZZ_CHECK(cmd.error().code == haven::Errc::invalid_argument &&
                           cmd.error().message.find(run.file) != std::string::npos,
                       "a refused #! line is an invalid_argument naming the file: " + cmd.error().message);
      return 0;
    }
    HAVEN_FUZZ_CHECK(cmd.ok(), "the kernel runs '" + printable(kernel->interpreter) + "', haven refuses: " +
                                   cmd.error().message + " for " + printable(first));
    HAVEN_FUZZ_CHECK(cmd->program == kernel->interpreter, "haven runs '" + printable(cmd->program) +
                                                              "', the kernel '" + printable(kernel->interpreter) +
                                                              "' for " + printable(first));
    const std::size_t fixed = kernel->argument ? 3 : 2;
    HAVEN_FUZZ_CHECK(cmd->argv.size() == fixed + run.args.size(),
                     "argv has " + std::to_string(cmd->argv.size()) + " elements for " + printable(first));
    HAVEN_FUZZ_CHECK(cmd->argv[0] == cmd->program, "argv[0] is not the interpreter");
    if (kernel->argument)
      HAVEN_FUZZ_CHECK(cmd->argv[1] == *kernel->argument, "haven's argument '" + printable(cmd->argv[1]) +
                                                              "', the kernel's '" + printable(*kernel->argument) +
                                                              "' for " + printable(first));
    HAVEN_FUZZ_CHECK(cmd->argv[fixed - 1] == run.file, "the file is not after the interpreter's argument");
  } else {
    HAVEN_FUZZ_CHECK(cmd.ok(), "a file without #! is refused: " + cmd.error().message);
    const bool elf = first.rfind("\x7f" "ELF", 0) == 0;
    HAVEN_FUZZ_CHECK(cmd->program == (elf ? run.file : std::string(haven::sh::kPosixShell)),
                     "wrong program " + cmd->program);
    HAVEN_FUZZ_CHECK(cmd->argv.size() == (elf ? 1u : 2u) + run.args.size(), "wrong argv size");
    HAVEN_FUZZ_CHECK(cmd->argv[elf ? 0 : 1] == run.file, "the file is not in argv");
  }
  for (std::size_t i = 0; i < run.args.size(); ++i)
    HAVEN_FUZZ_CHECK(cmd->argv[cmd->argv.size() - run.args.size() + i] == run.args[i], "the arguments are not last");
  for (const auto& a : cmd->argv)
    HAVEN_FUZZ_CHECK(a.find('\0') == std::string::npos && a.find('\n') == std::string::npos,
                     "an argv element holds a NUL or a newline: " + printable(a));
  return 0;
}
