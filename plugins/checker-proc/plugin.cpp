// The entry point of haven.checker.proc.
#include <haven/plugin.hpp>

#include "proc_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::checker_proc::ProcChecker>> make(haven::HostContext& host) {
  return haven::checker_proc::ProcChecker::from_host(host);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.proc", "0.1.0",
             "Up while the number of matching processes (or a service) is as <errd><proc> expects", make)
