// The entry point of haven.checker.tds: the owner of <check><tds>.
#include <haven/plugin.hpp>

#include "tds_checker.hpp"

namespace {
haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host) {
  auto checker = haven::checker_tds::TdsChecker::from_host(host);
  if (!checker.ok()) return std::move(checker).error();
  return std::unique_ptr<haven::Checker>(std::move(checker).value());
}
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(haven::checker_tds::tds_schema(),
                                                         &haven::checker_tds::configure_tds, &make);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "haven.checker.tds", "0.1.0",
             "Up while a login to a SQL Server (TDS) instance succeeds", factory)
