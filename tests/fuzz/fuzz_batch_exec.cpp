// The .cmd/.bat interpreter EXECUTING a hook (plugins/script-cmd: BatchInterpreter with its
// built-ins, for / for /l / for /f substitution, call, goto, pipes, redirections and
// linux_command_map), with a fake BatchSystem that records what would run and runs nothing.
// The input is the hook file. It runs in a folder of its own (/dev/shm/haven-fuzz-batch-PID)
// holding data whose lines, file names and fake command output carry command syntax
// ("a & INJECTED & b", ") & INJECTED & (", "x | INJECTED", ...), pid files with -1, 0 and
// garbage, and service names starting with '-'.
//
// The hook is real code with real built-ins (del, rd /s, copy, mkdir, > file), run as root by
// whoever runs this target: before any input runs, the process is locked with Landlock to
// write only in its own folder, libFuzzer's corpus and artifact folders and /dev/null, and to
// read only those, the system's /usr, /lib*, /etc and its own binary's folder (no /dev, no
// /proc but the few files the sanitizers read, no folder listing outside its own). Without
// Landlock (Linux < 5.13) the target refuses to start. Leak detection is off in this target:
// LeakSanitizer needs /proc/self/task. -fork and -merge, which write in /tmp, do not work.
//
// Properties, beyond "no crash, no sanitizer report":
//   - finding 2: a value substituted for a for variable, from a file, a file name or a
//     command's output, never becomes syntax: no command named INJECTED is ever looked up or
//     run. Checked when the script gives data no way in that is cmd's own semantics: no set,
//     path, %0..%9 %* %~ arguments, %cd%, batch files (.cmd/.bat) other than itself, the word
//     INJECTED, a for variable (or !var!) in command position, or a for variable in a
//     for /f ('command') (which cmd runs as written too: docs/hooks-cmd.md).
//   - finding 12: taskkill becomes exactly `kill -TERM|-KILL -- PID` with PID a positive
//     decimal int, or `pkill -TERM|-KILL -x -- NAME`; boundcmd's duration is digits; ping
//     hosts and service units never start with '-'; find/findstr put files after "--" (when
//     the script does not run kill, pkill, systemctl, timeout or grep itself).
//   - bounded: the interpreter asks BatchOptions::keep_going before every step; the target
//     stops a run after 1000 steps, 64 KiB of heap growth or 4 MiB written in its folder, the
//     interpreter never takes another step after being told to stop, and a run ends < 3 s.
// HAVEN_FUZZ_VERBOSE=1 in the environment prints each run's outcome and what it looked up and ran.
#include <fcntl.h>
#include <linux/landlock.h>
#include <sanitizer/allocator_interface.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch_expansion.hpp"
#include "batch_interpreter.hpp"
#include "batch_parser.hpp"
#include "batch_source.hpp"
#include "batch_system.hpp"
#include "fuzz_check.hpp"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

// LeakSanitizer stops the world through /proc/self/task, which the sandbox does not open.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
extern "C" const char* __lsan_default_options() { return "detect_leaks=0"; }

namespace fs = std::filesystem;
using namespace haven::cmd;

namespace {

constexpr std::size_t kMaxSteps = 1000;
constexpr std::size_t kMaxHeapGrowth = 64 * 1024;
constexpr std::uintmax_t kMaxFolderBytes = 4u << 20;
constexpr auto kMaxRunTime = std::chrono::seconds(3);

// ---------------------------------------------------------------------------------------
// The folder and the data.

struct Folder {
  fs::path base;  // /dev/shm/haven-fuzz-batch-PID
  fs::path hook;  // base/hook: the script
  fs::path work;  // base/work: the current folder, with the data
  int null_in = -1;
  int null_out = -1;
};

Folder& folder() {
  static Folder f;
  return f;
}

const char* const kPayloadLines[] = {
    "plain line",
    "a & INJECTED & b",
    "x | INJECTED",
    "y && INJECTED",
    "z || INJECTED",
    "\") & INJECTED & (\"",
    "^& INJECTED",
    ") & INJECTED",
    "w > INJECTED.out",
    "\"quoted & safe\" & INJECTED",
    "%PATH% & INJECTED",
    "!PATH! & INJECTED",
    "(INJECTED)",
    "&INJECTED&",
};

const char* const kPayloadNames[] = {
    "a & INJECTED & .log", "b ^& INJECTED.log", "c) & INJECTED & (.log", "d | INJECTED.log",
    "e %x% & INJECTED.log", "f\"& INJECTED &\".log", "g.log",
};

std::string payload_text() {
  std::string out;
  for (const char* line : kPayloadLines) out += std::string(line) + "\r\n";
  return out;
}

void write_file(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void fresh_folders(std::string_view script) {
  auto& f = folder();
  std::error_code ec;
  fs::remove_all(f.hook, ec);
  fs::remove_all(f.work, ec);
  // Anything the last script left beside them.
  for (auto it = fs::directory_iterator(f.base, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path() != f.hook && it->path() != f.work) fs::remove_all(it->path(), ec);
  fs::create_directories(f.hook);
  fs::create_directories(f.work / "sub");
  write_file(f.hook / "fuzz.cmd", script);
  write_file(f.work / "data.txt", payload_text());
  write_file(f.work / "pids.txt", "-1\r\n0\r\n1234\r\n-5\r\n 77\r\n0x10\r\n99999999999\r\n-\r\n4242 & INJECTED\r\n");
  write_file(f.work / "services.txt", "nginx\r\n-H evil\r\n--root=/x\r\nW3SVC\r\n-.service\r\n");
  write_file(f.work / "sub" / "x.txt", "in sub\n");
  for (const char* name : kPayloadNames) write_file(f.work / name, "data\n");
}

std::uintmax_t folder_bytes() {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder().base, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) total += it->file_size(e2);
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// The fake system.

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_ci(std::string_view text, std::string_view word) {
  return lower(text).find(lower(word)) != std::string::npos;
}

std::string basename_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class FakeSystem final : public BatchSystem {
 public:
  std::vector<std::string> looked_up;
  std::vector<std::vector<std::string>> runs;
  std::vector<long long> sleeps;

  std::optional<std::string> find_program(const std::string& name, const std::string&, const std::string&) override {
    looked_up.push_back(name);
    // Bare names only: a path ("/fuzz/p/kill") is never found, so mapped names always map.
    static const char* const known[] = {"lister", "prog", "svc", "failer", "systemctl", "kill", "pkill",
                                        "grep",   "ping", "timeout", "safekit"};
    if (name.find('/') != std::string::npos) return std::nullopt;
    for (const char* k : known)
      if (name == k) return "/fuzz/p/" + name;
    return std::nullopt;
  }

  haven::Result<int> run(const ProcessRequest& request) override {
    runs.push_back(request.argv);
    const std::string program = basename_of(request.program);
    std::string output = "ok\n";
    if (program == "lister") output = payload_text();
    if (program == "prog") output = "-1\n0\n1234\n-5\n 77\n4242 & INJECTED\n";
    if (program == "svc") output = "nginx\n-H evil\n--root=/x\n";
    std::string_view left = output;
    while (!left.empty()) {
      const auto n = ::write(request.stdout_fd, left.data(), left.size());
      if (n <= 0) break;
      left.remove_prefix(static_cast<std::size_t>(n));
    }
    return program == "failer" ? 1 : 0;
  }

  void sleep_seconds(long long seconds) override { sleeps.push_back(seconds); }
};

// ---------------------------------------------------------------------------------------
// When data may legitimately become a command (cmd's own semantics), the injection check
// does not apply: see the header.

bool uses_set(std::string_view text) {
  const auto l = lower(text);
  for (auto at = l.find("set"); at != std::string::npos; at = l.find("set", at + 1))
    if (l.compare(at, 8, "setlocal") != 0) return true;
  return false;
}

bool uses_argument_reference(std::string_view text) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '%') continue;
    const char next = text[i + 1];
    if (next == '%') {
      ++i;
      continue;
    }
    if ((next >= '0' && next <= '9') || next == '*' || next == '~') return true;
  }
  return false;
}

// The first word of a command as the interpreter splits it (delimiters, quotes).
std::pair<std::string, std::string_view> first_word(std::string_view text) {
  std::size_t i = 0;
  const auto delimiter = [](char c) {
    return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '=' || c == '\v' || c == '\f';
  };
  while (i < text.size() && delimiter(text[i])) ++i;
  const auto start = i;
  bool quoted = false;
  while (i < text.size() && (quoted || !delimiter(text[i]))) {
    if (text[i] == '"') quoted = !quoted;
    ++i;
  }
  return {std::string(text.substr(start, i - start)), text.substr(i)};
}

bool value_in_command_position(const Node& node) {
  if (const auto* simple = std::get_if<SimpleCommand>(&node.value)) {
    auto parts = first_word(simple->text);
    while (lower(parts.first) == "call") parts = first_word(parts.second);
    return parts.first.find_first_of("%!") != std::string::npos;
  }
  const auto child = [](const NodePtr& p) { return p != nullptr && value_in_command_position(*p); };
  if (const auto* block = std::get_if<Block>(&node.value))
    return std::any_of(block->body.begin(), block->body.end(), child);
  if (const auto* ifc = std::get_if<IfCommand>(&node.value)) return child(ifc->then_branch) || child(ifc->else_branch);
  if (const auto* forc = std::get_if<ForCommand>(&node.value)) {
    if (forc->lines) {
      const auto first = forc->set.find_first_not_of(" \t");
      if (first != std::string::npos && (forc->set[first] == '\'' || forc->set[first] == '`') &&
          forc->set.find_first_of("%!") != std::string::npos)
        return true;
    }
    return child(forc->tree);
  }
  if (const auto* chain = std::get_if<Chain>(&node.value)) return child(chain->left) || child(chain->right);
  return false;
}

// Parses the script from every line (a goto or call can start anywhere) as the interpreter
// would, with the same variables, and looks for a for variable in command position.
bool any_value_in_command_position(std::string_view script, const std::map<std::string, std::string>& environment) {
  const auto source = make_batch_source("fuzz.cmd", script);
  ExpansionScope scope;
  scope.variable = [&](std::string_view name) -> std::optional<std::string> {
    const auto upper = [&] {
      std::string u(name);
      for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return u;
    }();
    for (const auto& [k, v] : environment)
      if (k == upper) return v;
    for (const char* dynamic : {"ERRORLEVEL", "RANDOM", "DATE", "TIME", "CMDEXTVERSION", "CMDCMDLINE"})
      if (upper == dynamic) return std::string("0");
    return std::nullopt;
  };
  scope.cwd = folder().work.string();
  for (std::size_t first = 0; first < source.lines.size(); ++first) {
    if (is_label_line(source.lines[first])) continue;
    std::string text = expand_percent(source.lines[first], scope);
    for (std::size_t i = first;;) {
      auto parsed = parse_statement(text);
      if (!parsed.ok()) break;
      if (!parsed.value().incomplete) {
        if (value_in_command_position(*parsed.value().node)) return true;
        break;
      }
      if (++i >= source.lines.size()) break;
      text += "\n" + expand_percent(source.lines[i], scope);
    }
  }
  return false;
}

bool injection_check_applies(std::string_view script, const std::map<std::string, std::string>& environment) {
  if (uses_set(script) || contains_ci(script, "path") || uses_argument_reference(script)) return false;
  if (contains_ci(script, "cd%") || contains_ci(script, "__cd__")) return false;
  if (contains_ci(script, "cmd") || contains_ci(script, "bat") || contains_ci(script, "injected")) return false;
  return !any_value_in_command_position(script, environment);
}

std::size_t count_ci(std::string_view text, std::string_view word) {
  const auto l = lower(text);
  std::size_t n = 0;
  for (auto at = l.find(word); at != std::string::npos; at = l.find(word, at + 1)) ++n;
  return n;
}

bool positive_pid(const std::string& s) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  const long long v = std::stoll(s);
  return v >= 1 && v <= 2147483647LL;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

void check_mapped_commands(const FakeSystem& system, std::string_view script) {
  const bool own_kill = count_ci(script, "kill") > count_ci(script, "taskkill");
  const bool own_systemctl = contains_ci(script, "systemctl");
  const bool own_timeout = contains_ci(script, "timeout");
  const bool own_grep = contains_ci(script, "grep");
  for (const auto& argv : system.runs) {
    const std::string program = basename_of(argv.front());
    const std::string line = joined(argv);
    if (program == "kill" && !own_kill) {
      HAVEN_FUZZ_CHECK(argv.size() == 4 && (argv[1] == "-TERM" || argv[1] == "-KILL") && argv[2] == "--" &&
                           positive_pid(argv[3]),
                       "taskkill became: " + line);
    } else if (program == "pkill" && !own_kill) {
      HAVEN_FUZZ_CHECK(argv.size() == 5 && (argv[1] == "-TERM" || argv[1] == "-KILL") && argv[2] == "-x" &&
                           argv[3] == "--" && !argv[4].empty(),
                       "taskkill /im became: " + line);
    } else if (program == "timeout" && !own_timeout) {
      HAVEN_FUZZ_CHECK(argv.size() >= 3 && !argv[1].empty() &&
                           argv[1].find_first_not_of("0123456789") == std::string::npos,
                       "boundcmd became: " + line);
    } else if (program == "systemctl" && !own_systemctl) {
      HAVEN_FUZZ_CHECK(argv.size() == 3 && !argv[2].empty() && argv[2].front() != '-',
                       "net/sc became: " + line);
    } else if (program == "ping") {
      for (std::size_t i = 1; i < argv.size(); ++i) {
        const auto& a = argv[i];
        if (a == "-c" || a == "-W") {
          ++i;
          continue;
        }
        HAVEN_FUZZ_CHECK(a.empty() || a.front() != '-' || a == "-4" || a == "-6", "ping became: " + line);
      }
    } else if (program == "grep" && !own_grep) {
      const auto dashes = std::find(argv.begin(), argv.end(), "--");
      HAVEN_FUZZ_CHECK(dashes != argv.end(), "find/findstr became: " + line);
      for (auto it = argv.begin() + 1; it != dashes; ++it) {
        if (*it == "-e") {
          HAVEN_FUZZ_CHECK(it + 1 != dashes, "find/findstr became: " + line);
          ++it;
          continue;
        }
        HAVEN_FUZZ_CHECK(*it == "-F" || *it == "-i" || *it == "-v" || *it == "-c" || *it == "-n" || *it == "-x" ||
                             *it == "-l",
                         "find/findstr became: " + line);
      }
    }
  }
  for (long long s : system.sleeps) HAVEN_FUZZ_CHECK(s >= 0, "a negative sleep: " + std::to_string(s));
}

// ---------------------------------------------------------------------------------------
// The sandbox.

int landlock_abi() {
  return static_cast<int>(::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION));
}

std::uint64_t handled_rights(int abi) {
  std::uint64_t r = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                    LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) r |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) r |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5) r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return r;
}

[[noreturn]] void refuse_to_start(const std::string& why);

// A folder the scripts may write in must be a scratch folder: not the root, not a source or
// build tree (a .git, a CMakeLists.txt, this binary inside), not above the current folder.
void refuse_unless_scratch(const fs::path& dir) {
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(dir, ec);
  const fs::path exe = fs::weakly_canonical(fs::read_symlink("/proc/self/exe", ec), ec);
  const fs::path cwd = fs::current_path(ec);
  const auto inside = [](const fs::path& child, const fs::path& parent) {
    const auto c = child.string(), p = parent.string();
    return c == p || c.rfind(p.back() == '/' ? p : p + "/", 0) == 0;
  };
  if (real == real.root_path() || fs::exists(real / ".git", ec) || fs::exists(real / "CMakeLists.txt", ec) ||
      inside(exe, real) || inside(cwd, real))
    refuse_to_start("the scripts would be allowed to write in " + real.string() +
                    ", which is not a scratch folder; give an empty corpus folder first and an -artifact_prefix");
}

[[noreturn]] void refuse_to_start(const std::string& why) {
  std::fprintf(stderr, "fuzz_batch_exec: %s (its scripts' built-ins delete and write files)\n", why.c_str());
  std::exit(1);
}

class Ruleset {
 public:
  explicit Ruleset(int abi) : handled_(handled_rights(abi)) {
    landlock_ruleset_attr attr{};
    attr.handled_access_fs = handled_;
    fd_ = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
    if (fd_ < 0) refuse_to_start(std::string("cannot make a Landlock ruleset: ") + std::strerror(errno));
  }

  // Everything beneath `dir` (or, for a file, what a file allows).
  void allow(const fs::path& path, std::uint64_t rights) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return;
    const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return;
    if (!fs::is_directory(path, ec))
      rights &= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
                LANDLOCK_ACCESS_FS_IOCTL_DEV;
    landlock_path_beneath_attr rule{};
    rule.allowed_access = rights & handled_;
    rule.parent_fd = fd;
    if (::syscall(SYS_landlock_add_rule, fd_, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
      refuse_to_start("cannot allow " + path.string() + ": " + std::strerror(errno));
    ::close(fd);
  }

  void enforce() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) refuse_to_start("cannot set no_new_privs");
    if (::syscall(SYS_landlock_restrict_self, fd_, 0) != 0)
      refuse_to_start(std::string("cannot enter the Landlock sandbox: ") + std::strerror(errno));
    ::close(fd_);
  }

  std::uint64_t all() const { return handled_; }

 private:
  std::uint64_t handled_;
  int fd_ = -1;
};

constexpr std::uint64_t kRead = LANDLOCK_ACCESS_FS_READ_FILE;
constexpr std::uint64_t kReadDir = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

std::map<std::string, std::string> fixed_environment() {
  // No value holds command syntax, a delimiter, or the letters of "cmd" or "bat".
  return {{"PATH", "/fuzz/p"}, {"SAFE", "/fuzz/p/"}, {"SAFEBIN", "/fuzz/p/"}, {"SERVICE", "nginx"}};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  const int abi = landlock_abi();
  if (abi < 1) {
    // 77: CTest's "skipped" (SKIP_RETURN_CODE), so a kernel without Landlock skips this
    // target's regression instead of failing it; nothing ran.
    std::fprintf(stderr, "fuzz_batch_exec: Landlock is not available here; this target runs only inside a Landlock "
                         "sandbox (Linux >= 5.13): skipped\n");
    std::exit(77);
  }

  auto& f = folder();
  const fs::path shm = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  f.base = shm / ("haven-fuzz-batch-" + std::to_string(::getpid()));
  f.hook = f.base / "hook";
  f.work = f.base / "work";
  std::error_code ec;
  // Inside the sandbox a run can empty its folder but not remove it: remove those of runs
  // that are over.
  for (auto it = fs::directory_iterator(shm, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    const std::string prefix = "haven-fuzz-batch-";
    if (name.rfind(prefix, 0) == 0 && name.find_first_not_of("0123456789", prefix.size()) == std::string::npos &&
        !fs::exists("/proc/" + name.substr(prefix.size()), ec))
      fs::remove_all(it->path(), ec);
  }
  fs::remove_all(f.base, ec);
  fs::create_directories(f.base);
  std::atexit([] {
    std::error_code e;
    fs::remove_all(folder().base, e);
  });
  f.null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  f.null_out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ::dup2(f.null_in, 0);  // nothing may wait on the terminal

  // Once, outside the sandbox: %RANDOM% seeds from the system, %DATE% reads the time zone.
  {
    fresh_folders("@echo %RANDOM% %DATE% %TIME%\r\n");
    FakeSystem system;
    BatchOptions options;
    options.environment = fixed_environment();
    options.cwd = f.work.string();
    options.streams = {f.null_in, f.null_out, f.null_out};
    BatchInterpreter interpreter(system, options);
    (void)interpreter.run_file((f.hook / "fuzz.cmd").string(), {});
  }

  // libFuzzer's own folders: the first corpus folder and the artifact folder are written;
  // the other inputs, the dictionary, the binary and the system's libraries are read.
  Ruleset rules(abi);
  rules.allow(f.base, rules.all());
  rules.allow("/dev/null", LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE);
  for (const char* dir : {"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/etc"}) rules.allow(dir, kRead);
  const std::string self = "/proc/" + std::to_string(::getpid());
  rules.allow(self + "/maps", kRead);
  rules.allow(self + "/status", kRead);
  rules.allow(fs::read_symlink("/proc/self/exe", ec).parent_path(), kRead);
  bool first_folder = true;
  bool has_artifact_prefix = false;
  for (int i = 1; i < *argc; ++i) {
    const std::string arg = (*argv)[i];
    const auto value_of = [&](const char* flag) -> std::optional<std::string> {
      const std::string prefix = std::string("-") + flag + "=";
      if (arg.rfind(prefix, 0) != 0) return std::nullopt;
      return arg.substr(prefix.size());
    };
    if (auto prefix = value_of("artifact_prefix")) {
      has_artifact_prefix = true;
      const fs::path p(*prefix);
      const fs::path dir =
          prefix->empty() || prefix->back() == '/' ? p : (p.has_parent_path() ? p.parent_path() : fs::path("."));
      refuse_unless_scratch(dir);
      rules.allow(dir, rules.all());
    } else if (auto exact = value_of("exact_artifact_path")) {
      has_artifact_prefix = true;
      const fs::path dir = fs::path(*exact).has_parent_path() ? fs::path(*exact).parent_path() : fs::path(".");
      refuse_unless_scratch(dir);
      rules.allow(dir, rules.all());
    } else if (auto dict = value_of("dict")) {
      rules.allow(*dict, kRead);
    } else if (!arg.empty() && arg.front() != '-') {
      if (fs::is_directory(arg, ec)) {
        if (first_folder) refuse_unless_scratch(arg);
        rules.allow(arg, first_folder ? rules.all() : kReadDir);
        first_folder = false;
      } else {
        rules.allow(arg, kRead);
      }
    }
  }
  if (!has_artifact_prefix) {
    // libFuzzer would write a crash into the current folder, which the sandbox keeps closed.
    static std::string flag;
    const fs::path artifacts = fs::temp_directory_path() / "haven-fuzz-batch-exec-artifacts";
    fs::create_directories(artifacts, ec);
    rules.allow(artifacts, rules.all());
    flag = "-artifact_prefix=" + artifacts.string() + "/";
    static std::vector<char*> args;
    args.assign(*argv, *argv + *argc);
    args.push_back(flag.data());
    args.push_back(nullptr);
    *argv = args.data();
    *argc = static_cast<int>(args.size() - 1);
    std::fprintf(stderr, "fuzz_batch_exec: crash inputs go to %s/ (no -artifact_prefix given)\n", artifacts.c_str());
  }
  rules.enforce();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view script(reinterpret_cast<const char*>(data), size);
  auto& f = folder();
  fresh_folders(script);
  const auto environment = fixed_environment();

  FakeSystem system;
  std::vector<std::string> notices;
  std::size_t steps = 0;
  std::size_t steps_after_stop = 0;
  bool stopped = false;
  const std::size_t heap_at_start = __sanitizer_get_current_allocated_bytes();

  BatchOptions options;
  options.environment = environment;
  options.cwd = f.work.string();
  options.streams = {f.null_in, f.null_out, f.null_out};
  options.notice = [&](const std::string& message) { notices.push_back(message); };
  options.keep_going = [&]() {
    if (stopped) {
      ++steps_after_stop;
      return false;
    }
    ++steps;
    const std::size_t heap = __sanitizer_get_current_allocated_bytes();
    if (steps > kMaxSteps || heap > heap_at_start + kMaxHeapGrowth || folder_bytes() > kMaxFolderBytes)
      stopped = true;
    return !stopped;
  };

  static const bool verbose = std::getenv("HAVEN_FUZZ_VERBOSE") != nullptr;
  const auto start = std::chrono::steady_clock::now();
  {
    BatchInterpreter interpreter(system, options);
    auto code = interpreter.run_file((f.hook / "fuzz.cmd").string(), {"WAIT", "ALONE"});
    if (verbose) {
      const std::string outcome = code.ok() ? "exit code " + std::to_string(code.value()) : code.error().message;
      std::fprintf(stderr, "run: %s after %zu steps\n", outcome.c_str(), steps);
      for (const auto& name : system.looked_up) std::fprintf(stderr, "  looked up: %s\n", name.c_str());
      for (const auto& argv : system.runs) std::fprintf(stderr, "  ran: %s\n", joined(argv).c_str());
      for (const auto& n : notices) std::fprintf(stderr, "  notice: %s\n", n.c_str());
    }
    if (!code.ok()) HAVEN_FUZZ_CHECK(!code.error().message.empty(), "an error without a message");
    if (stopped)
      HAVEN_FUZZ_CHECK(!code.ok() && code.error().code == haven::Errc::refused, "a stopped run went on to its end");
  }
  const auto took = std::chrono::steady_clock::now() - start;

  HAVEN_FUZZ_CHECK(steps_after_stop == 0, "the interpreter took " + std::to_string(steps_after_stop) +
                                              " more steps after keep_going said stop");
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  HAVEN_FUZZ_CHECK(took < kMaxRunTime, "the run took " + std::to_string(ms) + " ms in " + std::to_string(steps) + " steps");

  if (injection_check_applies(script, environment)) {
    for (const auto& name : system.looked_up)
      HAVEN_FUZZ_CHECK(!contains_ci(name, "injected"), "data became a command: '" + name + "' was looked up");
    for (const auto& argv : system.runs)
      HAVEN_FUZZ_CHECK(!contains_ci(basename_of(argv.front()), "injected"), "data became a command: " + joined(argv));
    for (const auto& n : notices)
      HAVEN_FUZZ_CHECK(!contains_ci(n, "'injected"), "data became a command: " + n);
  }
  check_mapped_commands(system, script);
  return 0;
}
