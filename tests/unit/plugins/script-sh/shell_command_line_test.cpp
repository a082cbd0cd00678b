// Which program a shell hook is started with, decided from its first bytes; and the
// errors of a run that cannot exec, which return instead of replacing the process.
#include <catch2/catch.hpp>

#include "haven/host_context.hpp"
#include "shell_command_line.hpp"
#include "shell_script_engine.hpp"
#include "test_files.hpp"

using namespace haven;
using Argv = std::vector<std::string>;

namespace {

ScriptRun run_of(const std::filesystem::path& file, Argv args = {"WAIT", "ALONE", "start"}) {
  return ScriptRun{"start_prim", file.string(), std::move(args)};
}

// A host that keeps nothing: the engine only logs at debug level.
class SilentHost final : public HostContext {
 public:
  void log(LogLevel, std::string_view) noexcept override {}
  const ConfigNode* config() const noexcept override { return nullptr; }
  const std::map<std::string, std::string>& environment() const noexcept override { return env_; }

 private:
  std::map<std::string, std::string> env_;
};

}  // namespace

TEST_CASE("a script without a #! line runs with /bin/sh, the file as $0 and the hook's arguments") {
  test::ScratchDir dir;
  auto file = test::write_file(dir.path() / "start_prim.sh", "echo hello\n");
  auto cmd = sh::shell_command_line(run_of(file, {"force", "WAIT", "STOP", "stop"}));
  REQUIRE(cmd.ok());
  CHECK(cmd->program == "/bin/sh");
  CHECK(cmd->argv == Argv{"/bin/sh", file.string(), "force", "WAIT", "STOP", "stop"});
}

TEST_CASE("a #! line chooses the interpreter, with its one optional argument, even without the exec bit") {
  test::ScratchDir dir;
  auto bash = test::write_file(dir.path() / "start_prim.sh", "#!/bin/bash\necho $BASH_VERSION\n");
  auto cmd = sh::shell_command_line(run_of(bash));
  REQUIRE(cmd.ok());
  CHECK(cmd->program == "/bin/bash");
  CHECK(cmd->argv == Argv{"/bin/bash", bash.string(), "WAIT", "ALONE", "start"});

  // As the kernel does: everything after the interpreter is one argument; blanks and a
  // Windows line end around it are not part of it.
  auto env = test::write_file(dir.path() / "start_prim", "#!  /usr/bin/env  sh -e \r\nexit 0\n", true);
  cmd = sh::shell_command_line(run_of(env, {}));
  REQUIRE(cmd.ok());
  CHECK(cmd->program == "/usr/bin/env");
  CHECK(cmd->argv == Argv{"/usr/bin/env", "sh -e", env.string()});
}

TEST_CASE("an ELF program without extension is executed itself") {
  test::ScratchDir dir;
  auto program = test::write_file(dir.path() / "start_prim", std::string("\x7f" "ELF\x02\x01\x01", 7), true);
  auto cmd = sh::shell_command_line(run_of(program, {"a"}));
  REQUIRE(cmd.ok());
  CHECK(cmd->program == program.string());
  CHECK(cmd->argv == Argv{program.string(), "a"});
}

TEST_CASE("an empty file is a shell script that does nothing") {
  test::ScratchDir dir;
  auto file = test::write_file(dir.path() / "stop_prim.sh", "");
  auto cmd = sh::shell_command_line(run_of(file, {}));
  REQUIRE(cmd.ok());
  CHECK(cmd->argv == Argv{"/bin/sh", file.string()});
}

TEST_CASE("a #! line without an interpreter is refused naming the hook, the file and line 1") {
  test::ScratchDir dir;
  auto file = test::write_file(dir.path() / "start_prim.sh", "#!   \necho hi\n");
  auto cmd = sh::shell_command_line(run_of(file));
  REQUIRE_FALSE(cmd.ok());
  CHECK(cmd.error().code == Errc::invalid_argument);
  CHECK_THAT(cmd.error().message,
             Catch::Contains("start_prim") && Catch::Contains(file.string()) && Catch::Contains("line 1"));
}

TEST_CASE("a missing hook file is not_found, naming the file") {
  test::ScratchDir dir;
  auto cmd = sh::shell_command_line(run_of(dir.path() / "nothing.sh"));
  REQUIRE_FALSE(cmd.ok());
  CHECK(cmd.error().code == Errc::not_found);
  CHECK_THAT(cmd.error().message, Catch::Contains((dir.path() / "nothing.sh").string()));
}

TEST_CASE("the engine claims .sh and executables without extension") {
  SilentHost host;
  sh::ShellScriptEngine engine(host);
  CHECK(engine.extensions() == Argv{".sh", ""});
}

TEST_CASE("a run whose interpreter does not exist returns an error naming it and the #! line") {
  test::ScratchDir dir;
  auto file = test::write_file(dir.path() / "start_prim.sh", "#!/nonexistent/haven-shell\necho hi\n");
  SilentHost host;
  sh::ShellScriptEngine engine(host);
  auto code = engine.run(run_of(file));
  REQUIRE_FALSE(code.ok());
  CHECK_THAT(code.error().message, Catch::Contains("/nonexistent/haven-shell") && Catch::Contains(file.string()) &&
                                       Catch::Contains("#! line"));
}

TEST_CASE("a run of a program without the exec bit returns an error that says to chmod +x") {
  test::ScratchDir dir;
  auto file = test::write_file(dir.path() / "start_prim", std::string("\x7f" "ELF\x02\x01\x01", 7), false);
  SilentHost host;
  sh::ShellScriptEngine engine(host);
  auto code = engine.run(run_of(file));
  REQUIRE_FALSE(code.ok());
  CHECK_THAT(code.error().message, Catch::Contains("chmod +x " + file.string()));
}
