// The checker plugins this host knows, by the element each owns: how the core finds the
// plugin of `<tcp>` (or of any element a plugin declares) without a table of its own.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "haven/checker.hpp"
#include "haven/result.hpp"

namespace haven {

class PluginHost;

/// One checker plugin and its factory, which keeps the plugin's library loaded.
struct CheckerOwner {
  std::string plugin;                       ///< "haven.checker.tcp"
  std::shared_ptr<CheckerFactory> factory;  ///< never null
  const CheckerSchema& schema() const { return factory->schema(); }
};

class CheckerCatalog {
 public:
  /// Adds the owner of `factory->schema().element` in its section. An element already owned
  /// is refused (already_exists) naming both plugins; so is a schema without element or
  /// resource class (invalid_argument).
  Status add(std::string plugin, std::shared_ptr<CheckerFactory> factory);

  /// The owner of `element` in `section`, or nullptr.
  const CheckerOwner* find(CheckerSection section, std::string_view element) const;

  /// The elements owned in a section, "tcp, ping, module", for messages.
  std::string elements(CheckerSection section) const;

  /// What could not be added (a factory that failed, a second owner of an element), for logs.
  const std::vector<Error>& problems() const { return problems_; }
  void record(Error problem) { problems_.push_back(std::move(problem)); }

 private:
  std::vector<CheckerOwner> owners_;
  std::vector<Error> problems_;
};

/// Every checker plugin `plugins` loaded, each factory made with `context` (a log, no
/// configuration). A plugin whose factory fails, or that claims an element already owned, is
/// left out and recorded in problems().
CheckerCatalog load_checker_catalog(PluginHost& plugins, std::shared_ptr<HostContext> context);

}  // namespace haven
