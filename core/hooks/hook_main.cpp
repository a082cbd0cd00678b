// haven-hook: the process one hook runs in.
//
//   haven-hook --hook NAME --file PATH -- ARGS...
//
// Started by the module agent's HookRunner in a process group of its own, with the module
// environment and its output going to the user log. Loads the script engine plugin that
// claims the file's extension and runs the file in this process; exits with the script's
// code, 1 when the script raised an error, 2 when it could not be started at all.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"

extern char** environ;

namespace {

constexpr int kCannotStart = 2;

struct Invocation {
  std::string hook;
  std::filesystem::path file;
  std::vector<std::string> args;
};

void print_usage(std::FILE* to) {
  std::fputs("usage: haven-hook --hook NAME --file PATH [-- ARGS...]\n"
             "Runs one hook script of a module with the script engine plugin for its extension.\n"
             "Started by the module agent; running it by hand is useful to debug a hook.\n",
             to);
}

bool parse(int argc, char** argv, Invocation& inv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      inv.args.assign(argv + i + 1, argv + argc);
      break;
    }
    if (a == "--hook" && i + 1 < argc) {
      inv.hook = argv[++i];
      continue;
    }
    if (a == "--file" && i + 1 < argc) {
      inv.file = argv[++i];
      continue;
    }
    std::fprintf(stderr, "haven-hook: unexpected argument '%s'\n", a.c_str());
    return false;
  }
  if (inv.hook.empty() || inv.file.empty()) {
    std::fputs("haven-hook: --hook and --file are both required\n", stderr);
    return false;
  }
  return true;
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) env.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
  }
  return env;
}

std::string known_extensions(haven::PluginHost& plugins, const std::shared_ptr<haven::HostContext>& host) {
  std::set<std::string> all;
  for (const auto& info : plugins.plugins()) {
    if (info.kind != haven::kKindScriptEngine) continue;
    auto engine = plugins.make_script_engine(info.name, host);
    if (!engine.ok()) continue;
    for (const auto& ext : engine.value()->extensions()) all.insert(ext.empty() ? "(executable, no extension)" : ext);
  }
  std::string out;
  for (const auto& ext : all) out += (out.empty() ? "" : " ") + ext;
  return out.empty() ? "none" : out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    print_usage(stdout);
    return 0;
  }
  Invocation inv;
  if (!parse(argc, argv, inv)) {
    print_usage(stderr);
    return kCannotStart;
  }
  std::error_code ec;
  auto file = std::filesystem::absolute(inv.file, ec);
  if (ec) file = inv.file;

  auto host = std::make_shared<haven::BasicHostContext>(
      [](haven::LogLevel level, std::string_view message) {
        // stderr is the user log: keep it for what an administrator should read.
        if (level == haven::LogLevel::debug) return;
        std::fprintf(stderr, "haven-hook %s: %.*s\n", haven::to_string(level), static_cast<int>(message.size()),
                     message.data());
      });
  host->with_environment(current_environment());

  haven::PluginHost plugins;
  plugins.scan(haven::PluginHost::default_search_path());
  host->with_plugins(plugins);  // haven.app() in a Lua hook makes application plugin objects
  const auto extension = file.extension().string();
  auto engine = plugins.make_script_engine_for(extension, host);
  if (!engine.ok()) {
    std::fprintf(stderr, "haven-hook: cannot run hook %s (%s): %s\nknown script extensions: %s\n",
                 inv.hook.c_str(), file.c_str(), engine.error().message.c_str(),
                 known_extensions(plugins, host).c_str());
    for (const auto& failure : plugins.failures())
      std::fprintf(stderr, "haven-hook: plugin refused: %s\n", failure.error.message.c_str());
    return kCannotStart;
  }

  auto code = engine.value()->run(haven::ScriptRun{inv.hook, file.string(), inv.args});
  std::fflush(stdout);
  if (!code.ok()) {
    std::fprintf(stderr, "%s\n", code.error().message.c_str());
    return 1;
  }
  return code.value() & 0xff;
}
