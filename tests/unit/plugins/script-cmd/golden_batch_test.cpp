// Every tests/data/batch/NN_name.cmd (or .bat) runs in-process against the fake system; its
// NN_name.expected holds what must come out:
//   args: a "b c"        arguments (split as a command line)
//   env: NAME=value      a variable set before the run (repeatable)
//   exit: N              the exit code (default 0)
//   var: NAME=value      a variable after the run (repeatable)
//   unset: NAME          a variable that must not be defined after the run
//   stderr: text         text stderr must contain (repeatable)
//   error: text          the run must stop with an error whose message contains text
//   --- stdout           the rest of the file is the exact stdout; {cwd} is the current folder
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "batch_test_support.hpp"
#include "batch_text.hpp"
#include "fake_batch_system.hpp"

using namespace haven::cmd;
using namespace haven::cmd::testing;
namespace fs = std::filesystem;

namespace {

struct Expectation {
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  int exit = 0;
  std::map<std::string, std::string> vars;
  std::vector<std::string> unset;
  std::vector<std::string> stderr_contains;
  std::string error;
  std::string out;
};

fs::path data_dir() {
  const char* source = std::getenv("HAVEN_SOURCE_DIR");
  return fs::path(source != nullptr ? source : ".") / "tests" / "data" / "batch";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

Expectation read_expectation(const fs::path& file) {
  Expectation e;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line == "--- stdout") {
      std::ostringstream rest;
      rest << in.rdbuf();
      e.out = rest.str();
      break;
    }
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const auto key = line.substr(0, colon);
    const auto value = line.substr(colon + 2);
    const auto eq = value.find('=');
    if (key == "args") e.args = split_program_arguments(value);
    else if (key == "env") e.env[value.substr(0, eq)] = value.substr(eq + 1);
    else if (key == "exit") e.exit = std::stoi(value);
    else if (key == "var") e.vars[value.substr(0, eq)] = value.substr(eq + 1);
    else if (key == "unset") e.unset.push_back(value);
    else if (key == "stderr") e.stderr_contains.push_back(value);
    else if (key == "error") e.error = value;
  }
  return e;
}

std::vector<fs::path> golden_scripts() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(data_dir())) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".cmd" || ext == ".bat")) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("there are at least 60 golden batch scripts, each with its expectation") {
  const auto scripts = golden_scripts();
  CHECK(scripts.size() >= 60);
  for (const auto& script : scripts) {
    INFO(script.filename().string());
    CHECK(fs::exists(fs::path(script).replace_extension(".expected")));
  }
}

// Regression test for finding 2 of the security review: FOR values re-parsed as commands (batch/107_*.cmd).
// Regression test for finding 12 of the security review: taskkill /pid -1 and /im -x (batch/109_*.cmd).
TEST_CASE("every golden batch script gives its expected output, exit code and variables") {
  for (const auto& script : golden_scripts()) {
    const auto name = script.filename().string();
    const auto expectation = read_expectation(fs::path(script).replace_extension(".expected"));
    ScratchDir scratch;
    const auto cwd = scratch.path() / "work";
    fs::create_directory(cwd);
    std::map<std::string, std::string> env = {
        {"PATH", "/usr/bin:/bin"}, {"SAFE", "/opt/haven/bin/"}, {"SAFEBIN", "/opt/haven/bin/"}, {"SAFEMODULE", "mirror"}};
    for (const auto& [k, v] : expectation.env) env[k] = v;
    std::vector<std::string> watch;
    for (const auto& [k, v] : expectation.vars) watch.push_back(k);
    watch.insert(watch.end(), expectation.unset.begin(), expectation.unset.end());

    FakeBatchSystem system;
    const auto outcome = run_batch_file(system, script, cwd, scratch.path(), expectation.args, env, watch);

    INFO("script: " << name);
    INFO("stdout:\n" << outcome.out);
    INFO("stderr:\n" << outcome.err);
    if (!expectation.error.empty()) {
      REQUIRE_FALSE(outcome.code.ok());
      INFO("error: " << outcome.code.error().message);
      CHECK(outcome.code.error().message.find(expectation.error) != std::string::npos);
      CHECK(outcome.code.error().message.find(name) != std::string::npos);
      continue;
    }
    if (!outcome.code.ok()) FAIL_CHECK("stopped with an error: " << outcome.code.error().message);
    else CHECK(outcome.code.value() == expectation.exit);
    CHECK(outcome.out == replace_all(expectation.out, "{cwd}", cwd.string()));
    for (const auto& [k, v] : expectation.vars) {
      INFO("variable " << k);
      CHECK(outcome.variables.at(k).value_or("<undefined>") == v);
    }
    for (const auto& k : expectation.unset) {
      INFO("variable " << k << " must be undefined");
      CHECK_FALSE(outcome.variables.at(k).has_value());
    }
    for (const auto& text : expectation.stderr_contains) {
      INFO("stderr must contain: " << text);
      CHECK(outcome.err.find(text) != std::string::npos);
    }
  }
}
