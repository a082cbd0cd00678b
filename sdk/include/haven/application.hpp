// haven SDK: application kinds (PostgreSQL, SQL Server, generic, ...).
//
// An application plugin knows one kind of application: what a module of that kind must
// configure, and how to tell whether the application is healthy.
#pragma once

#include <string>
#include <vector>

#include "haven/config_node.hpp"
#include "haven/plugin.hpp"
#include "haven/result.hpp"

namespace haven {

/// One application kind.
class Application : public PluginObject {
 public:
  /// Short kind name used in configuration: "postgresql", "generic".
  virtual std::string kind() const = 0;

  /// Checks the module's `<service>` element for what this kind needs. Returns a list of
  /// warnings (empty when all is well); an error means the module cannot run as this kind.
  virtual Result<std::vector<std::string>> validate(const ConfigNode& service) const noexcept = 0;
};

}  // namespace haven
