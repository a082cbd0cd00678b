// The entry point: declares the library a haven checker plugin named example.checker.file,
// the owner of the <file> element inside <check>.
#include <haven/plugin.hpp>

#include "file_checker.hpp"

namespace {
std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
  return std::make_unique<haven::FunctionCheckerFactory>(example::file_schema(), &example::configure_file,
                                                         &example::FileChecker::from_host);
}
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "example.checker.file", "1.0.0", "Up while a file exists", factory)
