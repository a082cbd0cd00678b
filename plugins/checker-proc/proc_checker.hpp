// haven.checker.proc: the seed product's process monitoring (`<errd><proc>`).
//
//   <errd polltimer="10"><proc name="nginx" atleast="1" action="restart" class="prim"/></errd>
// Up while the number of matching processes is within atleast..atmax. With service="yes"
// the name is a systemd unit, up while `systemctl is-active` says so. The host keeps the
// policy (polltimer, the resource proc.<name>, the action and its class).
#pragma once

#include <filesystem>
#include <memory>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

#include "process_match.hpp"

namespace haven::checker_proc {

/// What haven.checker.proc owns: `<errd><proc>`, resources proc.<name>, acted on by errd
/// directly (no generated rule).
const CheckerSchema& proc_schema();

/// Validates a `<proc>` element: name, counts, regular expressions, service.
CheckerConfiguration configure_proc(const ConfigNode& element);

class ProcChecker final : public Checker {
 public:
  ProcChecker(ProcessRule rule, bool service, std::filesystem::path proc_root = "/proc")
      : rule_(std::move(rule)), service_(service), proc_root_(std::move(proc_root)) {}

  /// Makes a checker from the host's `<proc>` element.
  static Result<std::unique_ptr<ProcChecker>> from_host(HostContext& host);

  /// Counts matching processes once (or asks systemd about the service).
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

 private:
  Result<CheckResult> probe_service(std::chrono::milliseconds timeout);

  ProcessRule rule_;
  bool service_;
  HostContext* host_ = nullptr;  // the host that made it (from_host): runs systemctl
  std::filesystem::path proc_root_;
};

}  // namespace haven::checker_proc
