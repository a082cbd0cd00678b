// haven-agent: runs one module on this node. Started and watched by havend.
#include <CLI/CLI.hpp>
#include <iostream>

#include "agent/crash_cleanup.hpp"
#include "agent/module_agent.hpp"

int main(int argc, char** argv) {
  CLI::App app{"haven-agent: runs one module on this node (started by havend, not by hand)."};
  std::optional<std::string> root;
  std::string node;
  std::string module;
  app.add_option("--root", root, "The node's root folder (as given to havend)")->type_name("DIR");
  app.add_option("--node", node, "This node's name")->required()->type_name("NAME");
  app.add_option("--module,-m", module, "The module to run")->required()->type_name("MODULE");
  bool after_crash = false;
  app.add_flag("--after-crash", after_crash,
               "Do not run the module: run its forced stop hooks after its agent died, then exit");
  CLI11_PARSE(app, argc, argv);
  if (after_crash) return haven::run_crash_cleanup(haven::HavenPaths::resolve(root), node, module);

  haven::ModuleAgent agent({haven::HavenPaths::resolve(root), node, module});
  if (auto st = agent.init(); !st.ok()) {
    std::cerr << "haven-agent: module " << module << ": " << st.error().message << "\n";
    return 2;
  }
  return agent.run();
}
