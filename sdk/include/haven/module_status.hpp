// haven SDK: what the host tells a plugin about a module on this node or another.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace haven {

/// One module as havend reports it (`haven state`), on this node or on a node of cluster.xml.
struct ModuleStatusReport {
  std::string module;    ///< the module asked about
  std::string node;      ///< the node that answered; empty: this node
  std::string state;     ///< "STOP", "WAIT", "ALONE", "PRIM", "SECOND", "UP"
  std::string substate;  ///< "Ready", "Transient", "NotReady"
  std::int64_t agent_pid = 0;              ///< the module's agent; 0 when none runs
  std::optional<std::uint64_t> generation; ///< bumped each time the module becomes primary
  std::optional<std::uint64_t> starts;     ///< bumped at each start, when the agent tells it
};

}  // namespace haven
