// The entry point of haven.checker.module.
#include <haven/plugin.hpp>

#include "module_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::checker_module::ModuleChecker>> make(haven::HostContext& host) {
  return haven::checker_module::ModuleChecker::from_host(host);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.module", "0.1.0",
             "Up while another module is PRIM, ALONE, SECOND or UP and Ready, here or on another node", make)
