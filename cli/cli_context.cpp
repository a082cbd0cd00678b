#include "cli_context.hpp"

#include "control/command_registry.hpp"

#include <cstdlib>
#include <iostream>

#include "control/control_client.hpp"

namespace haven::cli {

namespace {
// What havend may need beyond the command's own time: trying each address of the node.
constexpr int kRelayMarginS = 15;
}  // namespace

Result<ControlResponse> CliContext::ask_daemon(const ControlRequest& request, int timeout_s) const {
  auto p = paths();
  ControlRequest sent = request;
  if (!target.empty()) {
    sent = ControlRequest{};
    sent.command = "relay";
    sent.args = {{"node", target}, {"request", request.to_json()}, {"timeout_s", timeout_s}};
    timeout_s += kRelayMarginS;
  }
  auto r = send_control_request(p.daemon_socket(), sent, std::chrono::seconds(timeout_s));
  if (!r.ok() && r.error().code == Errc::not_found) {
    std::string how = p.root().empty() ? "systemctl start havend (or: havend &)" : "havend --root " + p.root().string() + " &";
    return fail(Errc::not_found, "havend is not running for this node (no answer on " + p.daemon_socket().string() +
                                     "); start it with: " + how);
  }
  return r;
}

void CliContext::report_error(const Error& error) {
  if (json) {
    print_json({{"ok", false}, {"error", {{"code", to_string(error.code)}, {"message", error.message}}}});
  } else {
    std::cerr << "haven: " << error.message << "\n";
  }
  exit_code = 1;
}

void CliContext::print_json(const nlohmann::json& j) const { std::cout << j.dump(2) << "\n"; }

Result<std::string> module_or_env(const std::string& flag, const std::string& command) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("SAFEMODULE"); env != nullptr && *env != '\0') return std::string(env);
  return fail(Errc::invalid_argument, "\"" + command + "\" needs a module: add -m NAME (see haven module list)");
}

std::string summary_of(std::string_view command) {
  const auto* spec = find_command(command);
  return spec != nullptr ? std::string(spec->summary) : std::string();
}

}  // namespace haven::cli
