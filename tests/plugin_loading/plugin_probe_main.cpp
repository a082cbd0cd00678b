// haven_plugin_probe FILE [ELEMENT [KEY=VALUE ...]]
// Loads one plugin with the plugin host and prints its descriptor; for a checker, makes one
// from <ELEMENT KEY="VALUE" .../> (after printing the element it owns) and probes it once. Exit 0 when all of that worked.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: haven_plugin_probe FILE [ELEMENT [KEY=VALUE ...]]\n";
    return 2;
  }
  haven::PluginHost host;
  auto info = host.load_file(argv[1]);
  if (!info.ok()) {
    std::cerr << "refused: " << info.error().message << "\n";
    return 1;
  }
  std::cout << "name=" << info->name << "\nkind=" << info->kind << "\nversion=" << info->version
            << "\nabi=" << info->abi_major << "." << info->abi_minor << "\n";
  if (info->kind != haven::kKindChecker) return 0;
  auto factory = host.make_checker_factory(info->name, std::make_shared<haven::BasicHostContext>());
  if (!factory.ok()) {
    std::cerr << "cannot make the checker factory: " << factory.error().message << "\n";
    return 1;
  }
  std::cout << "element=" << (*factory)->schema().element << "\nresource_class=" << (*factory)->schema().resource_class
            << "\n";

  haven::ConfigNode config;
  config.name = argc > 2 ? argv[2] : "check";
  config.path = config.name;
  for (int i = 3; i < argc; ++i) {
    std::string pair = argv[i];
    auto eq = pair.find('=');
    if (eq == std::string::npos) {
      std::cerr << "bad attribute '" << pair << "', expected KEY=VALUE\n";
      return 2;
    }
    config.attributes.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  auto context = std::make_shared<haven::BasicHostContext>(
      [](haven::LogLevel level, std::string_view line) { std::cerr << haven::to_string(level) << ": " << line << "\n"; },
      info->name);
  context->with_config(config);
  auto checker = host.make_checker(info->name, context);
  if (!checker.ok()) {
    std::cerr << "cannot make checker: " << checker.error().message << "\n";
    return 1;
  }
  auto result = checker.value()->probe(std::chrono::milliseconds(1000));
  if (!result.ok()) {
    std::cerr << "probe failed: " << result.error().message << "\n";
    return 1;
  }
  std::cout << "probe=" << (result->up ? "up" : "down") << "\nreason=" << result->reason << "\n";
  return 0;
}
