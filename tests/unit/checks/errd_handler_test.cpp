// errd action="<handler>": the runner calls the handler once per fall of its watch, and the
// agent's handler runner finds the module's program and runs it as HANDLER MODULE RESOURCE.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "checks/errd_handler.hpp"

using namespace haven;
using namespace haven::checks;
using namespace std::chrono_literals;

namespace {

// Down while the test says so.
class SwitchChecker final : public Checker {
 public:
  Result<CheckResult> probe(std::chrono::milliseconds) noexcept override {
    ++probes;
    return CheckResult{up.load(), up ? "running" : "0 processes named app running"};
  }
  std::atomic<bool> up{true};
  std::atomic<int> probes{0};
};

CheckerSpec handler_spec() {
  CheckerSpec s;
  s.resource = "proc.app";
  s.plugin = "haven.checker.proc";
  s.interval = 5ms;
  s.timeout = 100ms;
  s.when = config::ActiveWhen::pre;
  s.path = FailurePath::direct;
  s.action = config::FailureAction::handler;
  s.handler = "on_app_down";
  s.line = 14;
  return s;
}

template <typename Predicate>
bool eventually(Predicate p) {
  for (int i = 0; i < 500; ++i) {
    if (p()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

struct TempDir {
  TempDir() {
    std::string t = "/tmp/haven-errd-XXXXXX";
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

}  // namespace

TEST_CASE("an errd handler runs once each time its watch falls, not at every down probe") {
  auto checker = std::make_shared<SwitchChecker>();
  std::atomic<int> calls{0};
  CheckerRunner runner(
      {handler_spec()}, [&](const CheckerSpec&) -> Result<std::shared_ptr<Checker>> { return std::shared_ptr<Checker>(checker); },
      [](const Observation&) {},
      [&](const CheckerSpec& spec, const Observation& seen, std::shared_ptr<const std::atomic<bool>>) {
        CHECK(spec.handler == "on_app_down");
        CHECK(seen.value == "down");
        ++calls;
      });
  REQUIRE(runner.prepare().ok());
  (void)runner.follow(ModuleState::wait, SubState::not_ready);
  checker->up = false;
  REQUIRE(eventually([&] { return calls == 1; }));
  const int probes = checker->probes;
  REQUIRE(eventually([&] { return checker->probes > probes + 5; }));
  CHECK(calls == 1);  // still down: no second call
  checker->up = true;
  const int back = checker->probes;
  REQUIRE(eventually([&] { return checker->probes > back + 2; }));
  checker->up = false;
  REQUIRE(eventually([&] { return calls == 2; }));
  runner.stop_all();
}

TEST_CASE("the agent's handler runner runs the module's program as HANDLER MODULE RESOURCE, and logs a missing one") {
  TempDir bin;
  const auto out = bin.path / "called";
  std::ofstream(bin.path / "on_app_down.sh") << "echo \"$1 $2 $HANDLER_VAR\" > '" << out.string() << "'\n";
  std::mutex mutex;
  std::vector<std::string> lines;
  ErrdHandlerSettings settings;
  settings.module = "web";
  settings.bin_dir = bin.path;
  settings.script_extensions = {".sh"};
  settings.env = {{"PATH", "/usr/bin:/bin"}, {"HANDLER_VAR", "from-module"}};
  settings.timeout = 10s;
  settings.runner.runner = "/bin/sh";
  settings.runner.runner_is_interpreter = true;
  auto run = errd_handler_runner(settings, [&](LogLevel, const std::string& line) {
    std::lock_guard lock(mutex);
    lines.push_back(line);
  });
  Observation seen{"proc.app", "down", "0 processes named app running", nullptr, std::nullopt, {}};
  run(handler_spec(), seen, std::make_shared<std::atomic<bool>>(false));
  std::ifstream called(out);
  std::string text;
  std::getline(called, text);
  CHECK(text == "web proc.app from-module");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "Action on_app_down called by errd: 0 processes named app running");
  CHECK(lines[1] == "errd handler on_app_down of proc.app ended with exit code 0");

  lines.clear();
  auto missing = handler_spec();
  missing.handler = "nowhere";
  run(missing, seen, std::make_shared<std::atomic<bool>>(false));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("errd cannot run handler nowhere of proc.app (userconfig.xml line 14): there is no nowhere "
                      "script or executable in " + bin.path.string()) == 0);
}
