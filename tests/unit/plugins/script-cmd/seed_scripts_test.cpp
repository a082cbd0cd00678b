// The seed product's start_prim.cmd and stop_prim.cmd, byte for byte as printed (typographic
// quotes included), run by the interpreter with real processes and a fake `safekit` in SAFE
// that records its arguments.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "batch_system.hpp"
#include "batch_test_support.hpp"

using namespace haven::cmd;
using namespace haven::cmd::testing;
namespace fs = std::filesystem;

namespace {

fs::path seed_dir() {
  const char* source = std::getenv("HAVEN_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / "tests" / "data" / "seed-module" / "bin";
}

// A SAFE folder whose safekit appends "arg1|arg2|" lines to safekit.calls.
struct FakeSafe {
  ScratchDir dir;
  fs::path bin = dir.path() / "bin";
  fs::path calls = dir.path() / "safekit.calls";
  fs::path work = dir.path() / "work";

  FakeSafe() {
    fs::create_directories(bin);
    fs::create_directories(work);
    const auto safekit = bin / "safekit";
    std::ofstream(safekit) << "#!/bin/sh\nfor a in \"$@\"; do printf '%s|' \"$a\"; done >> '" << calls.string()
                           << "'\necho >> '" << calls.string() << "'\n";
    ::chmod(safekit.c_str(), 0755);
  }

  std::map<std::string, std::string> environment() const {
    const auto safe = bin.string() + "/";
    return {{"PATH", "/usr/bin:/bin"}, {"SAFE", safe}, {"SAFEBIN", safe}, {"SAFEMODULE", "mirror"}};
  }

  BatchOutcome run(const std::string& script, std::vector<std::string> args,
                   std::map<std::string, std::string> extra_env = {}) const {
    PosixBatchSystem system;
    auto env = environment();
    for (auto& [k, v] : extra_env) env[k] = v;
    return run_batch_file(system, seed_dir() / script, work, dir.path(), std::move(args), env);
  }

  std::string recorded_calls() const { return read_whole_file(calls); }
};

}  // namespace

TEST_CASE("the seed's start_prim.cmd runs unchanged under start and logs its echo line") {
  FakeSafe safe;
  const auto outcome = safe.run("start_prim.cmd", {"WAIT", "ALONE", "start"});
  INFO("stderr: " << outcome.err);
  REQUIRE(outcome.code.ok());
  CHECK(outcome.code.value() == 0);
  CHECK(outcome.out == "\"Running start_prim WAIT ALONE start\"\n");
  CHECK(safe.recorded_calls().empty());  // success: no printe
  // The “ ” line is read with plain quotes and named once; the comment lines are not.
  CHECK(outcome.err.find("start_prim.cmd:20: warning: typographic quotes") != std::string::npos);
  CHECK(outcome.err.find("start_prim.cmd:6:") == std::string::npos);
}

TEST_CASE("the seed's start_prim.cmd calls safekit printe through “%SAFE%safekit” when the start failed") {
  FakeSafe safe;
  // %errorlevel% reads a variable of that name first, as in cmd: the way to reach the
  // failure branch of an unchanged script.
  const auto outcome = safe.run("start_prim.cmd", {"WAIT", "PRIM", "start"}, {{"ERRORLEVEL", "1"}});
  INFO("stderr: " << outcome.err);
  REQUIRE(outcome.code.ok());
  CHECK(outcome.out == "\"Running start_prim WAIT PRIM start\"\n");
  CHECK(safe.recorded_calls() == "printe|start_prim failed|\n");
}

TEST_CASE("the seed's stop_prim.cmd runs unchanged, gracefully and with force") {
  FakeSafe safe;
  const auto graceful = safe.run("stop_prim.cmd", {"ALONE", "STOP", "stop"});
  INFO("stderr: " << graceful.err);
  REQUIRE(graceful.code.ok());
  CHECK(graceful.code.value() == 0);
  CHECK(graceful.out == "\"Running stop_prim ALONE STOP stop\"\n");

  const auto forced = safe.run("stop_prim.cmd", {"force", "ALONE", "STOP", "stop"});
  INFO("stderr: " << forced.err);
  REQUIRE(forced.code.ok());
  CHECK(forced.code.value() == 0);
  CHECK(forced.out == "\"Running stop_prim force ALONE STOP stop\"\n");
  CHECK(forced.err.find("stop_prim.cmd:35: warning: typographic quotes") != std::string::npos);
  CHECK(safe.recorded_calls().empty());
}

TEST_CASE("the seed's scripts are kept byte for byte, typographic quotes included") {
  const auto start = read_whole_file(seed_dir() / "start_prim.cmd");
  const auto stop = read_whole_file(seed_dir() / "stop_prim.cmd");
  CHECK(start.rfind("@echo off\n", 0) == 0);
  CHECK(start.find("\u201C%SAFE%safekit\u201D printe \"start_prim failed\"") != std::string::npos);
  CHECK(stop.find("if \"%1\" == \"force\" goto end") != std::string::npos);
  CHECK(stop.find("\u201C%SAFEBIN%sleep\u201D 10") != std::string::npos);
}
