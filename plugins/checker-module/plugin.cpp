// The entry point of haven.checker.module: the owner of <check><module>.
#include <haven/plugin.hpp>

#include "module_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host) {
  auto checker = haven::checker_module::ModuleChecker::from_host(host);
  if (!checker.ok()) return std::move(checker).error();
  return std::unique_ptr<haven::Checker>(std::move(checker).value());
}
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(haven::checker_module::module_schema(),
                                                         &haven::checker_module::configure_module, &make);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.module", "0.2.0",
             "Up while another module is PRIM, ALONE, SECOND or UP and Ready, here or on another node", factory)
