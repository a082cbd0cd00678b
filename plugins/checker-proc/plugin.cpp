// The entry point of haven.checker.proc: the owner of <errd><proc>.
#include <haven/plugin.hpp>

#include "proc_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host) {
  auto checker = haven::checker_proc::ProcChecker::from_host(host);
  if (!checker.ok()) return std::move(checker).error();
  return std::unique_ptr<haven::Checker>(std::move(checker).value());
}
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(haven::checker_proc::proc_schema(),
                                                         &haven::checker_proc::configure_proc, &make);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.proc", "0.2.0",
             "Up while the number of matching processes (or a service) is as <errd><proc> expects", factory)
