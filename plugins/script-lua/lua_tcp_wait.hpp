// haven.wait_tcp: waits until a TCP port accepts connections.
#pragma once

#include <chrono>
#include <string>

namespace haven::lua {

/// Tries to connect to host:port (every address it resolves to) until one attempt
/// succeeds (true) or `timeout` has passed (false). The connection is closed at once.
bool wait_for_tcp(const std::string& host, const std::string& port, std::chrono::milliseconds timeout);

}  // namespace haven::lua
