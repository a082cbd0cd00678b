// haven.app in a Lua hook: the object comes from the host by kind, and each method reaches
// the application plugin with the settings given, its Status turned into true or nil, reason.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include "haven/application.hpp"
#include "lua_script_engine.hpp"

using namespace haven;

namespace {

// What the fake application was asked, in order: "start data=/srv/pg port=5432".
struct Calls {
  std::vector<std::string> lines;
};

class FakeApplication final : public Application {
 public:
  explicit FakeApplication(Calls& calls) : calls_(calls) {}
  std::string kind() const override { return "fakedb"; }
  Status prepare(const AppContext& app) noexcept override { return record("prepare", app); }
  Status start(const AppContext& app) noexcept override { return record("start", app); }
  Status stop(const AppContext& app, StopMode mode) noexcept override {
    return record(mode == StopMode::forced ? "stop forced" : "stop graceful", app);
  }
  Status check(const AppContext& app) noexcept override {
    (void)record("check", app);
    app.say(LogLevel::info, "checked");
    return fail(Errc::io_error, "fakedb does not answer on port " + app.get("port"));
  }

 private:
  Status record(const std::string& what, const AppContext& app) {
    std::string line = what;
    for (const auto& [k, v] : app.settings) line += " " + k + "=" + v;
    calls_.lines.push_back(line);
    return ok_status();
  }
  Calls& calls_;
};

class AppHost final : public HostContext {
 public:
  explicit AppHost(Calls& calls) : calls_(calls) {}
  void log(LogLevel, std::string_view) noexcept override {}
  const ConfigNode* config() const noexcept override { return nullptr; }
  const std::map<std::string, std::string>& environment() const noexcept override { return env_; }
  Result<std::shared_ptr<Application>> make_application(std::string_view kind) override {
    if (kind != "fakedb") return fail(Errc::not_found, "no application plugin makes kind '" + std::string(kind) + "'");
    return std::shared_ptr<Application>(std::make_shared<FakeApplication>(calls_));
  }

 private:
  Calls& calls_;
  std::map<std::string, std::string> env_;
};

Result<int> run(const std::string& text, Calls& calls) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto file = dir / "haven-lua-app-test.lua";
  std::ofstream(file) << text;
  AppHost host(calls);
  lua::LuaScriptEngine engine(host);
  auto code = engine.run(ScriptRun{"start_prim", file.string(), {}});
  std::filesystem::remove(file);
  return code;
}

}  // namespace

TEST_CASE("haven.app makes the application by kind and passes the settings to each call") {
  Calls calls;
  auto code = run("local db = haven.app('fakedb', { data = '/srv/pg', port = 5432, fast = true })\n"
                  "assert(db:kind() == 'fakedb')\n"
                  "assert(db:prepare() == true)\n"
                  "assert(db:start() == true)\n"
                  "assert(db:stop() == true)\n"
                  "assert(db:stop('force') == true)\n"
                  "local ok, why = db:check()\n"
                  "assert(ok == nil and why == 'fakedb does not answer on port 5432', why)\n",
                  calls);
  INFO((code ? "" : code.error().message));
  REQUIRE(code);
  CHECK(code.value() == 0);
  const std::string settings = " data=/srv/pg fast=true port=5432";
  CHECK(calls.lines == std::vector<std::string>{"prepare" + settings, "start" + settings, "stop graceful" + settings,
                                                "stop forced" + settings, "check" + settings});
}

TEST_CASE("haven.app refuses an unknown kind, bad settings and a bad stop mode, naming the line") {
  Calls calls;
  auto unknown = run("local x = 1\nhaven.app('nosuchdb')\n", calls);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("haven-lua-app-test.lua:2:") != std::string::npos);
  CHECK(unknown.error().message.find("nosuchdb") != std::string::npos);

  auto bad_setting = run("haven.app('fakedb', { data = {} })\n", calls);
  REQUIRE_FALSE(bad_setting);
  CHECK(bad_setting.error().message.find("setting data is a table") != std::string::npos);

  auto bad_mode = run("haven.app('fakedb'):stop('sideways')\n", calls);
  REQUIRE_FALSE(bad_mode);
  CHECK(bad_mode.error().message.find("\"force\" or nothing") != std::string::npos);
  CHECK(calls.lines.empty());
}
