// The Lua engine run in-process, as haven-hook runs it.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "lua_script_engine.hpp"

using namespace haven;

namespace {

class SilentHost final : public HostContext {
 public:
  void log(LogLevel, std::string_view) noexcept override {}
  const ConfigNode* config() const noexcept override { return nullptr; }
  const std::map<std::string, std::string>& environment() const noexcept override { return env_; }

 private:
  std::map<std::string, std::string> env_;
};

class Scratch {
 public:
  Scratch() {
    std::string pattern = (std::filesystem::temp_directory_path() / "haven-lua-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path_ / name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

Result<int> run_script(const Scratch& dir, const std::string& name, const std::string& text,
                       std::vector<std::string> args = {}) {
  SilentHost host;
  lua::LuaScriptEngine engine(host);
  const auto file = dir.write(name, text);
  return engine.run(ScriptRun{std::filesystem::path(name).stem().string(), file.string(), std::move(args)});
}

// A loopback port nobody listens on: bound, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("the Lua engine claims .lua files") {
  SilentHost host;
  lua::LuaScriptEngine engine(host);
  CHECK(engine.extensions() == std::vector<std::string>{".lua"});
}

TEST_CASE("hook arguments reach arg, ... and haven.args") {
  Scratch dir;
  const auto out = (dir.path() / "out").string();
  auto code = run_script(dir, "start_prim.lua",
                         "local f = io.open('" + out + "', 'w')\n"
                         "f:write(table.concat({...}, ','), '|', arg[0], '|', table.concat(arg, ','), '|',\n"
                         "        table.concat(haven.args, ','), '|', #arg)\n"
                         "f:close()\n",
                         {"WAIT", "ALONE", "start"});
  REQUIRE(code.ok());
  CHECK(code.value() == 0);
  CHECK(dir.read("out") == "WAIT,ALONE,start|" + (dir.path() / "start_prim.lua").string() +
                               "|WAIT,ALONE,start|WAIT,ALONE,start|3");
}

TEST_CASE("haven.printi and haven.printe append one line each to the module log") {
  Scratch dir;
  ::setenv("HAVEN_MODULE_LOG", (dir.path() / "module.log").c_str(), 1);
  ::setenv("SAFEMODULE", "generic-mirror", 1);
  auto code = run_script(dir, "start_prim.lua", "haven.printi('application', 'started', 42)\nhaven.printe('two\\nlines')\n");
  ::unsetenv("HAVEN_MODULE_LOG");
  ::unsetenv("SAFEMODULE");
  REQUIRE(code.ok());
  std::istringstream log(dir.read("module.log"));
  std::string first, second, extra;
  std::getline(log, first);
  std::getline(log, second);
  CHECK_FALSE(std::getline(log, extra));
  const std::regex stamp(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (.*))");
  std::smatch m;
  REQUIRE(std::regex_match(first, m, stamp));
  CHECK(m[1] == "I generic-mirror: application started 42");
  REQUIRE(std::regex_match(second, m, stamp));
  CHECK(m[1] == "E generic-mirror: two lines");
}

TEST_CASE("haven.module and haven.env give the module environment") {
  Scratch dir;
  ::setenv("SAFEMODULE", "web", 1);
  ::setenv("HAVEN_TEST_VALUE", "42", 1);
  auto code = run_script(dir, "t.lua",
                         "if haven.module ~= 'web' then os.exit(10) end\n"
                         "if haven.env.HAVEN_TEST_VALUE ~= '42' then os.exit(11) end\n"
                         "if haven.env.SAFEMODULE ~= 'web' then os.exit(12) end\n"
                         "if haven.env.NOT_SET_ANYWHERE ~= nil then os.exit(13) end\n");
  ::unsetenv("SAFEMODULE");
  ::unsetenv("HAVEN_TEST_VALUE");
  REQUIRE(code.ok());
  CHECK(code.value() == 0);
}

TEST_CASE("haven.exec captures output and exit code") {
  Scratch dir;
  const auto out = (dir.path() / "out").string();
  auto code = run_script(dir, "t.lua",
                         "local r = haven.exec{ 'sh', '-c', 'echo to stdout; echo to stderr >&2; exit 4', capture = true }\n"
                         "local f = io.open('" + out + "', 'w')\n"
                         "f:write(r.code, '|', r.output, '|', tostring(r.timed_out))\n"
                         "f:close()\n");
  REQUIRE(code.ok());
  CHECK(dir.read("out") == "4|to stdout\nto stderr\n|false");
}

TEST_CASE("haven.exec kills a command and its children at the timeout") {
  Scratch dir;
  const auto out = (dir.path() / "out").string();
  auto code = run_script(dir, "t.lua",
                         "local r = haven.exec{ 'sh', '-c', 'sleep 300 & echo $!; wait', timeout = 0.2, capture = true }\n"
                         "local f = io.open('" + out + "', 'w')\n"
                         "f:write(r.code, '|', tostring(r.timed_out), '|', r.output)\n"
                         "f:close()\n");
  REQUIRE(code.ok());
  const auto text = dir.read("out");
  CHECK(text.rfind("143|true|", 0) == 0);
  const pid_t child = static_cast<pid_t>(std::stol(text.substr(std::string("143|true|").size())));
  // The child was SIGKILLed with its group; once reaped by init its pid is gone.
  bool gone = false;
  for (int i = 0; i < 1000 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    gone = s.empty() || s.find(") Z") != std::string::npos;
    if (!gone) ::usleep(10000);
  }
  CHECK(gone);
}

TEST_CASE("haven.exec of a missing command returns 127 and why") {
  Scratch dir;
  const auto out = (dir.path() / "out").string();
  auto code = run_script(dir, "t.lua",
                         "local r = haven.exec{ 'no-such-command-haven' }\n"
                         "local f = io.open('" + out + "', 'w')\n"
                         "f:write(r.code, '|', r.error)\n"
                         "f:close()\n");
  REQUIRE(code.ok());
  CHECK_THAT(dir.read("out"), Catch::StartsWith("127|") && Catch::Contains("no-such-command-haven"));
}

TEST_CASE("haven.exec with a bad argument raises an error at the caller's line") {
  Scratch dir;
  auto code = run_script(dir, "t.lua", "\nhaven.exec{ 'true', timeout = -1 }\n");
  REQUIRE_FALSE(code.ok());
  CHECK_THAT(code.error().message, Catch::StartsWith("t.lua:2: haven.exec: timeout"));
}

TEST_CASE("haven.wait_tcp is true when the port accepts and false after the timeout") {
  Scratch dir;
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  socklen_t len = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  const auto open_port = std::to_string(ntohs(a.sin_port));
  const auto shut_port = std::to_string(closed_port());
  auto code = run_script(dir, "t.lua",
                         "if not haven.wait_tcp('127.0.0.1', " + open_port + ", 5) then os.exit(10) end\n"
                         "if haven.wait_tcp('127.0.0.1', " + shut_port + ", 0.2) then os.exit(11) end\n");
  ::close(listener);
  REQUIRE(code.ok());
  CHECK(code.value() == 0);
}

TEST_CASE("haven.sleep returns") {
  Scratch dir;
  auto code = run_script(dir, "t.lua", "haven.sleep(0.01)\nhaven.sleep(0)\n");
  REQUIRE(code.ok());
  CHECK(code.value() == 0);
}

TEST_CASE("os.exit sets the exit code and ends the script") {
  Scratch dir;
  auto three = run_script(dir, "t.lua", "os.exit(3)\nerror('not reached')\n");
  REQUIRE(three.ok());
  CHECK(three.value() == 3);
  auto yes = run_script(dir, "t.lua", "os.exit(true)\n");
  REQUIRE(yes.ok());
  CHECK(yes.value() == 0);
  auto no = run_script(dir, "t.lua", "os.exit(false)\n");
  REQUIRE(no.ok());
  CHECK(no.value() == 1);
  auto normal = run_script(dir, "t.lua", "local x = 1\n");
  REQUIRE(normal.ok());
  CHECK(normal.value() == 0);
}

TEST_CASE("a runtime error reports the file and line with a traceback") {
  Scratch dir;
  auto code = run_script(dir, "start_prim.lua", "local x = 1\n\nlocal f = nil\nf()\n");
  REQUIRE_FALSE(code.ok());
  CHECK_THAT(code.error().message, Catch::StartsWith("start_prim.lua:4: attempt to call a nil value") &&
                                       Catch::Contains("stack traceback"));
}

TEST_CASE("a syntax error reports the file and line") {
  Scratch dir;
  auto code = run_script(dir, "stop_prim.lua", "#!/usr/bin/lua\nlocal = 3\n");
  REQUIRE_FALSE(code.ok());
  CHECK(code.error().code == Errc::parse_error);
  CHECK_THAT(code.error().message, Catch::StartsWith("stop_prim.lua:2:"));
}

TEST_CASE("a missing script file is an error naming it") {
  SilentHost host;
  lua::LuaScriptEngine engine(host);
  auto code = engine.run(ScriptRun{"start_prim", "/nonexistent/start_prim.lua", {}});
  REQUIRE_FALSE(code.ok());
  CHECK(code.error().code == Errc::not_found);
  CHECK_THAT(code.error().message, Catch::Contains("/nonexistent/start_prim.lua"));
}
