// Sends one request to a control socket (havend's or an agent's) and waits for the answer.
#pragma once

#include <chrono>
#include <filesystem>

#include "control/control_message.hpp"

namespace haven {

/// Connects to `socket`, sends `request`, returns the response. Errors: not_found when no
/// server listens there (the daemon is not running), timeout, io_error.
Result<ControlResponse> send_control_request(const std::filesystem::path& socket,
                                             const ControlRequest& request,
                                             std::chrono::milliseconds timeout);

}  // namespace haven
