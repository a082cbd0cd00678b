// haven SDK: everything a plugin receives from the host.
//
// Plugins have no globals, no static registration and no logger of their own: they log,
// read their configuration and the module environment only through this context. The
// host owns the context and keeps it alive for as long as any object the plugin made.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "haven/config_node.hpp"
#include "haven/log.hpp"

namespace haven {

/// The host's services, given to a plugin's factory. All functions are thread-safe.
class HostContext {
 public:
  virtual ~HostContext() = default;

  /// Writes one line to the module's log (or the daemon's log outside a module), prefixed
  /// with the plugin's name. Never throws, never blocks on the network.
  virtual void log(LogLevel level, std::string_view message) noexcept = 0;

  /// The configuration element this plugin instance is made from, or nullptr when it is
  /// made without one (a script engine, `haven plugins list`).
  virtual const ConfigNode* config() const noexcept = 0;

  /// The module's environment (SAFE, SAFEBIN, SAFEMODULE, SAFEUSERBIN, SAFEVAR and the
  /// `<user><var>` entries); empty outside a module.
  virtual const std::map<std::string, std::string>& environment() const noexcept = 0;
};

}  // namespace haven
