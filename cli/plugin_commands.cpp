// Plugins: what this install can load, and what it refused.
#include <iomanip>
#include <iostream>

#include "cli_context.hpp"
#include "plugin_host/plugin_host.hpp"

namespace haven::cli {

void add_plugin_commands(CLI::App& app, CliContext& ctx) {
  auto* plugins = app.add_subcommand("plugins", "Show the plugins this install loads (behaviours, checkers, script engines, applications)");
  plugins->require_subcommand(1);
  auto* list = plugins->add_subcommand("list", "List accepted plugins, and refused libraries with the reason");
  list->callback([&ctx] {
    PluginHost host;
    auto search = PluginHost::default_search_path();
    host.scan(search);
    auto accepted = host.plugins();
    if (ctx.json) {
      nlohmann::json j{{"search_path", nlohmann::json::array()}, {"plugins", nlohmann::json::array()}, {"refused", nlohmann::json::array()}};
      for (const auto& p : search) j["search_path"].push_back(p.string());
      for (const auto& p : accepted)
        j["plugins"].push_back({{"name", p.name}, {"kind", p.kind}, {"version", p.version}, {"summary", p.summary},
                                {"file", p.file.string()}, {"abi", std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor)}});
      for (const auto& f : host.failures())
        j["refused"].push_back({{"file", f.file.string()}, {"code", to_string(f.error.code)}, {"message", f.error.message}});
      return ctx.print_json(j);
    }
    for (const auto& p : accepted)
      std::cout << std::left << std::setw(28) << p.name << std::setw(13) << p.kind << std::setw(9) << p.version << p.summary << "\n";
    if (accepted.empty()) {
      std::cout << "no plugin found in:";
      for (const auto& p : search) std::cout << " " << p.string();
      std::cout << "\n";
    }
    for (const auto& f : host.failures()) std::cerr << "refused: " << f.error.message << "\n";
  });
}

}  // namespace haven::cli
