// Custom checkers' programs, run by /bin/sh through the same HookRunner the agent uses: when
// they start, with which arguments, how they die with their children, how they come back.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "checks/custom_checker.hpp"
#include "config/user_config_loader.hpp"

using namespace haven;
using namespace haven::checks;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "haven-custom-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

template <typename Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return predicate();
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int count_lines(const fs::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// Alive and not a zombie waiting for its reaper.
bool process_alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

pid_t read_pid(const fs::path& file) {
  std::istringstream in(read_text(file));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

struct Logged {
  std::mutex mutex;
  std::vector<std::string> lines;
  CustomCheckerLog sink() {
    return [this](LogLevel, const std::string& message) {
      std::lock_guard lock(mutex);
      lines.push_back(message);
    };
  }
  bool has(const std::string& fragment) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(fragment) != std::string::npos) return true;
    return false;
  }
};

CustomProgramRunner sh_runner(const fs::path& dir) {
  HookRunnerOptions options;
  options.runner = "/bin/sh";
  options.runner_is_interpreter = true;
  options.kill_grace = 500ms;
  return hook_program_runner("web", {{"PATH", "/usr/bin:/bin"}}, dir / "user.log", options);
}

CustomCheckerSpec spec_for(const fs::path& program, config::ActiveWhen when = config::ActiveWhen::prim) {
  CustomCheckerSpec spec;
  spec.resource = "custom.db";
  spec.program = program;
  spec.args = {"web", "custom.db", "fast", "2"};
  spec.when = when;
  return spec;
}

void write_script(const fs::path& file, const std::string& body) {
  std::ofstream(file) << "#!/bin/sh\n" << body;
  fs::permissions(file, fs::perms::owner_all);
}

config::UserConfig load(const std::string& check_body) {
  const std::string xml = "<safe>\n<service mode=\"mirror\">\n<check>\n" + check_body + "\n</check>\n</service>\n</safe>\n";
  auto loaded = config::parse_user_config(xml, "userconfig.xml", {});
  for (const auto& d : loaded.diagnostics) INFO(d.message);
  REQUIRE(loaded.config);
  return *loaded.config;
}

}  // namespace

TEST_CASE("a custom checker runs while its class is on, called as PROGRAM MODULE RESOURCE ARGS, and dies with its "
          "children when the class turns off") {
  TempDir dir;
  const auto d = dir.path().string();
  write_script(dir.path() / "check.sh", "echo \"$@\" > " + d + "/args\nsleep 300 &\necho $! > " + d +
                                            "/child\necho $$ > " + d + "/pid\nwait\n");
  Logged log;
  CustomCheckerSet set({spec_for(dir.path() / "check.sh")}, sh_runner(dir.path()), log.sink());

  CHECK(set.follow(ModuleState::wait, SubState::transient).empty());
  CHECK(set.running().empty());
  CHECK(set.follow(ModuleState::alone, SubState::ready).empty());
  CHECK(set.running() == std::vector<std::string>{"custom.db"});
  REQUIRE(wait_until([&] { return read_pid(dir.path() / "pid") > 0 && read_pid(dir.path() / "child") > 0; }));
  CHECK(read_text(dir.path() / "args") == "web custom.db fast 2\n");
  const pid_t shell = read_pid(dir.path() / "pid");
  const pid_t child = read_pid(dir.path() / "child");
  CHECK(process_alive(shell));
  CHECK(process_alive(child));

  const auto stopped = set.follow(ModuleState::wait, SubState::transient);
  CHECK(stopped == std::vector<std::string>{"custom.db"});
  CHECK(set.running().empty());
  CHECK(wait_until([&] { return !process_alive(shell) && !process_alive(child); }, 5s));
  CHECK(set.checkers().front()->starts() == 1);
}

TEST_CASE("a custom checker that exits while it should run is started again after a growing pause, and no more "
          "once stopped") {
  TempDir dir;
  write_script(dir.path() / "flaky.sh", "echo run >> " + dir.path().string() + "/runs\nexit 3\n");
  Logged log;
  RestartBackoff backoff;
  backoff.first = 20ms;
  backoff.max = 80ms;
  CustomCheckerProcess process(spec_for(dir.path() / "flaky.sh"), sh_runner(dir.path()), log.sink(), backoff);
  process.set_active(true);
  REQUIRE(wait_until([&] { return count_lines(dir.path() / "runs") >= 3; }));
  process.stop_and_wait();
  const int starts = process.starts();
  CHECK(starts >= 3);
  CHECK(log.has("custom checker custom.db"));
  CHECK(log.has("exited while it should run (exit code 3"));
  CHECK(log.has("starting it again in 40 ms"));  // the pause doubled after the first exit
  CHECK_FALSE(process.active());
  CHECK(process.starts() == starts);
}

TEST_CASE("stopping a custom checker returns at once, even when its program ignores SIGTERM; its grace is spent "
          "elsewhere") {
  TempDir dir;
  write_script(dir.path() / "stubborn.sh",
               "trap '' TERM\necho $$ > " + dir.path().string() + "/pid\nwhile true; do sleep 0.05; done\n");
  Logged log;
  CustomCheckerProcess process(spec_for(dir.path() / "stubborn.sh"), sh_runner(dir.path()), log.sink());
  process.set_active(true);
  REQUIRE(wait_until([&] { return read_pid(dir.path() / "pid") > 0; }));
  const pid_t shell = read_pid(dir.path() / "pid");
  const auto asked = std::chrono::steady_clock::now();
  process.set_active(false);  // what the agent's loop calls when the module leaves the class
  CHECK(std::chrono::steady_clock::now() - asked < 250ms);  // not the 500 ms grace
  CHECK_FALSE(process.active());
  CHECK(process_alive(shell));  // still in its grace
  process.stop_and_wait();
  CHECK(std::chrono::steady_clock::now() - asked >= 400ms);
  CHECK(wait_until([&] { return !process_alive(shell); }, 5s));
}

TEST_CASE("haven checker off stops the custom checkers until it is turned on again") {
  TempDir dir;
  write_script(dir.path() / "loop.sh", "echo $$ >> " + dir.path().string() + "/pids\nexec sleep 300\n");
  Logged log;
  CustomCheckerSet set({spec_for(dir.path() / "loop.sh", config::ActiveWhen::both)}, sh_runner(dir.path()),
                       log.sink());
  set.follow(ModuleState::second, SubState::ready);
  REQUIRE(wait_until([&] { return count_lines(dir.path() / "pids") == 1; }));
  CHECK(set.set_enabled(false) == std::vector<std::string>{"custom.db"});
  CHECK(set.running().empty());
  CHECK(set.follow(ModuleState::prim, SubState::ready).empty());  // still off
  CHECK(set.running().empty());
  CHECK(set.set_enabled(true).empty());
  CHECK(set.running() == std::vector<std::string>{"custom.db"});
  CHECK(wait_until([&] { return count_lines(dir.path() / "pids") == 2; }));
  set.stop_all();
  CHECK(set.running().empty());
}

TEST_CASE("custom checkers are planned from the bin folder, and an exec outside it or missing is refused with its line") {
  TempDir dir;
  write_script(dir.path() / "dbcheck.sh", "exit 0\n");
  auto plan = plan_custom_checkers(load("<custom ident=\"db\" exec=\"dbcheck.sh\" arg=\"a  b\" when=\"both\"/>"), "web",
                                   dir.path());
  REQUIRE(plan);
  REQUIRE(plan->size() == 1);
  CHECK(plan->front().resource == "custom.db");
  CHECK(plan->front().program == dir.path() / "dbcheck.sh");
  CHECK(plan->front().args == std::vector<std::string>{"web", "custom.db", "a", "b"});
  CHECK(plan->front().when == config::ActiveWhen::both);

  auto outside = plan_custom_checkers(load("<custom ident=\"db\" exec=\"../dbcheck.sh\"/>"), "web", dir.path());
  REQUIRE_FALSE(outside);
  CHECK(outside.error().message.find("line 4") != std::string::npos);
  CHECK(outside.error().message.find("inside the module's bin folder") != std::string::npos);

  auto missing = plan_custom_checkers(load("<custom ident=\"db\" exec=\"nothere.sh\"/>"), "web", dir.path());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("does not exist") != std::string::npos);
}
