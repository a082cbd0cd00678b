// How a hook stops: every error names the file, the line and the construct.
#include <catch2/catch.hpp>

#include "batch_test_support.hpp"
#include "fake_batch_system.hpp"

using namespace haven;
using namespace haven::cmd;
using namespace haven::cmd::testing;

namespace {

BatchOutcome run_text(const ScratchDir& dir, const std::string& name, const std::string& text,
                      std::vector<std::string> args = {}) {
  FakeBatchSystem system;
  const auto file = dir.write(name, text);
  return run_batch_file(system, file, dir.path(), dir.path(), std::move(args), {{"PATH", "/usr/bin:/bin"}});
}

std::string error_of(const BatchOutcome& outcome) {
  REQUIRE_FALSE(outcome.code.ok());
  return outcome.code.error().message;
}

}  // namespace

TEST_CASE("an error in a called file names that file and its line") {
  ScratchDir dir;
  dir.write("inner.cmd", "@echo off\n\nchoice /c yn\n");
  const auto outcome = run_text(dir, "outer.cmd", "@echo off\ncall inner.cmd\necho never\n");
  const auto message = error_of(outcome);
  CHECK(message.find("inner.cmd:3:") != std::string::npos);
  CHECK(message.find("'choice'") != std::string::npos);
  CHECK(outcome.out.empty());
}

TEST_CASE("an unsupported construct inside a block names the line the block starts on") {
  ScratchDir dir;
  const auto message = error_of(run_text(dir, "b.cmd", "@echo off\nif 1==1 (\n  for /r %%f in (*) do echo %%f\n)\n"));
  CHECK(message.find("b.cmd:2:") != std::string::npos);
  CHECK(message.find("'for /r'") != std::string::npos);
}

TEST_CASE("commands before the error have run, the ones after have not") {
  ScratchDir dir;
  const auto outcome = run_text(dir, "c.cmd", "@echo off\necho before\nfor /d %%d in (*) do echo %%d\necho after\n");
  CHECK(error_of(outcome).find("c.cmd:3: not supported by haven's batch interpreter: 'for /d'") != std::string::npos);
  CHECK(outcome.out == "before\n");
}

TEST_CASE("a program missing from PATH goes on as in cmd.exe, and the notice names file, line, PATH and docs") {
  ScratchDir dir;
  const auto file = dir.write("d.cmd", "@echo off\nwmic process list\necho after %errorlevel%\n");
  const int out = ::open((dir.path() / "out.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open((dir.path() / "err.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<std::string> notices;
  FakeBatchSystem system;
  BatchOptions options;
  options.environment = {{"PATH", "/usr/bin:/bin"}};
  options.cwd = dir.path().string();
  options.streams = BatchStreams{-1, out, err};
  options.notice = [&notices](const std::string& message) { notices.push_back(message); };
  BatchInterpreter interpreter(system, std::move(options));
  const auto code = interpreter.run_file(file.string(), {});
  ::close(out);
  ::close(err);
  REQUIRE(code.ok());
  CHECK(code.value() == 9009);
  CHECK(read_whole_file(dir.path() / "out.txt") == "after 9009\n");
  CHECK(read_whole_file(dir.path() / "err.txt") ==
        "'wmic' is not recognized as an internal or external command,\noperable program or batch file.\n");
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].find("d.cmd:2: 'wmic' is not a batch built-in") != std::string::npos);
  CHECK(notices[0].find("/usr/bin:/bin") != std::string::npos);
  CHECK(notices[0].find("9009") != std::string::npos);
  CHECK(notices[0].find("docs/hooks-cmd.md") != std::string::npos);
}

TEST_CASE("a call that never returns is stopped at a fixed depth") {
  ScratchDir dir;
  const auto message = error_of(run_text(dir, "e.cmd", "@echo off\n:again\ncall :again\n"));
  CHECK(message.find("nested more than") != std::string::npos);
}

TEST_CASE("a missing batch file goes on as in cmd.exe, the notice naming it and where it was looked for") {
  ScratchDir dir;
  const auto file = dir.write("f.cmd", "@echo off\ncall other.cmd\necho after %errorlevel%\n");
  const int out = ::open((dir.path() / "out.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = ::open((dir.path() / "err.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<std::string> notices;
  FakeBatchSystem system;
  BatchOptions options;
  options.environment = {{"PATH", "/usr/bin:/bin"}};
  options.cwd = dir.path().string();
  options.streams = BatchStreams{-1, out, err};
  options.notice = [&notices](const std::string& message) { notices.push_back(message); };
  BatchInterpreter interpreter(system, std::move(options));
  const auto code = interpreter.run_file(file.string(), {});
  ::close(out);
  ::close(err);
  REQUIRE(code.ok());
  CHECK(read_whole_file(dir.path() / "out.txt") == "after 9009\n");
  CHECK(read_whole_file(dir.path() / "err.txt").find("'other.cmd' is not recognized") == 0);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].find("f.cmd:2: the batch file 'other.cmd' is not found") != std::string::npos);
}

TEST_CASE("a file that cannot be read is an error naming it") {
  FakeBatchSystem system;
  ScratchDir dir;
  const auto outcome = run_batch_file(system, dir.path() / "absent.cmd", dir.path(), dir.path(), {}, {});
  CHECK(error_of(outcome).find("absent.cmd") != std::string::npos);
}
