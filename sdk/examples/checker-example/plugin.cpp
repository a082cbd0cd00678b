// The entry point: declares the library a haven checker plugin named example.checker.file.
#include <haven/plugin.hpp>

#include "file_checker.hpp"

namespace {
std::unique_ptr<haven::Checker> make(haven::HostContext& host) { return std::make_unique<example::FileChecker>(host); }
}  // namespace

HAVEN_PLUGIN(haven::kKindChecker, "example.checker.file", "1.0.0", "Up while a file exists", make)
