// The engine as haven-hook runs it: the process's environment and streams, real programs.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "batch_test_support.hpp"
#include "cmd_script_engine.hpp"

using namespace haven;
using namespace haven::cmd;
using namespace haven::cmd::testing;

namespace {

class SilentHost final : public HostContext {
 public:
  void log(LogLevel, std::string_view) noexcept override {}
  const ConfigNode* config() const noexcept override { return nullptr; }
  const std::map<std::string, std::string>& environment() const noexcept override { return env_; }

 private:
  std::map<std::string, std::string> env_;
};

// Sends this process's stdout and stderr to files while alive, as the runner's go to the log.
class CapturedOutput {
 public:
  explicit CapturedOutput(const std::filesystem::path& dir) : out_path_(dir / "out.log"), err_path_(dir / "err.log") {
    std::fflush(nullptr);
    saved_out_ = ::dup(1);
    saved_err_ = ::dup(2);
    const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::close(out);
    ::close(err);
  }
  ~CapturedOutput() { restore(); }
  void restore() {
    if (saved_out_ < 0) return;
    std::fflush(nullptr);
    ::dup2(saved_out_, 1);
    ::dup2(saved_err_, 2);
    ::close(saved_out_);
    ::close(saved_err_);
    saved_out_ = saved_err_ = -1;
  }
  std::string out() const { return read_whole_file(out_path_); }
  std::string err() const { return read_whole_file(err_path_); }

 private:
  std::filesystem::path out_path_, err_path_;
  int saved_out_ = -1, saved_err_ = -1;
};

}  // namespace

TEST_CASE("the cmd engine claims .cmd and .bat files") {
  SilentHost host;
  CmdScriptEngine engine(host);
  CHECK(engine.extensions() == std::vector<std::string>{".cmd", ".bat"});
}

TEST_CASE("the cmd engine runs real programs with the hook's arguments and environment") {
  SilentHost host;
  CmdScriptEngine engine(host);
  ScratchDir dir;
  ::setenv("HAVEN_CMD_TEST_VALUE", "from the module", 1);
  const auto file = dir.write("start_prim.cmd",
                              "@echo off\r\n"
                              "echo args: %*\r\n"
                              "sh -c \"echo child sees $HAVEN_CMD_TEST_VALUE and $0\" \"%~1\"\r\n"
                              "sh -c \"exit 4\"\r\n"
                              "if errorlevel 4 echo child exit code seen\r\n"
                              "sh -c \"echo to stderr >&2\" 2>&1\r\n"
                              "(echo Alpha& echo beta& echo gamma) | findstr /i \"ALPHA gamma\"\r\n"
                              "echo RUNNING | find \"RUNNING\" >nul && echo find saw it\r\n"
                              "exit /b 3\r\n");
  CapturedOutput captured(dir.path());
  const auto code = engine.run(ScriptRun{"start_prim", file.string(), {"WAIT", "ALONE", "start"}});
  captured.restore();
  ::unsetenv("HAVEN_CMD_TEST_VALUE");
  INFO("stdout: " << captured.out() << "\nstderr: " << captured.err());
  REQUIRE(code.ok());
  CHECK(code.value() == 3);
  CHECK(captured.out() ==
        "args: WAIT ALONE start\n"
        "child sees from the module and WAIT\n"
        "child exit code seen\n"
        "to stderr\n"
        "Alpha\n"
        "gamma\n"
        "find saw it\n");
}

TEST_CASE("the cmd engine returns an error naming the file, the line and the construct") {
  SilentHost host;
  CmdScriptEngine engine(host);
  ScratchDir dir;
  const auto file = dir.write("stop_prim.cmd", "@echo off\nstart /b server.exe\n");
  CapturedOutput captured(dir.path());
  const auto code = engine.run(ScriptRun{"stop_prim", file.string(), {}});
  captured.restore();
  REQUIRE_FALSE(code.ok());
  CHECK(code.error().code == Errc::unsupported);
  CHECK(code.error().message.find(file.string() + ":2:") != std::string::npos);
  CHECK(code.error().message.find("'start'") != std::string::npos);
}

TEST_CASE("the cmd engine goes on after an unknown program and logs the file, line and program") {
  class RecordingHost final : public HostContext {
   public:
    void log(LogLevel level, std::string_view message) noexcept override {
      lines.push_back(std::string(to_string(level)) + " " + std::string(message));
    }
    const ConfigNode* config() const noexcept override { return nullptr; }
    const std::map<std::string, std::string>& environment() const noexcept override { return env_; }
    std::vector<std::string> lines;

   private:
    std::map<std::string, std::string> env_;
  };
  RecordingHost host;
  CmdScriptEngine engine(host);
  ScratchDir dir;
  const auto file = dir.write("stop_prim.cmd", "@echo off\nhaven-no-such-program-x1 /y\necho next %errorlevel%\n");
  CapturedOutput captured(dir.path());
  const auto code = engine.run(ScriptRun{"stop_prim", file.string(), {}});
  captured.restore();
  REQUIRE(code.ok());
  CHECK(code.value() == 9009);
  CHECK(captured.out() == "next 9009\n");
  CHECK(captured.err().find("'haven-no-such-program-x1' is not recognized as an internal or external command,\n"
                            "operable program or batch file.\n") != std::string::npos);
  REQUIRE(host.lines.size() == 1);
  CHECK(host.lines[0].find("warning hook stop_prim: " + file.string() + ":2: 'haven-no-such-program-x1'") == 0);
}
