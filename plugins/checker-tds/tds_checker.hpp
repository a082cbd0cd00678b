// haven.checker.tds: up while a login to a SQL Server instance (any TDS 7.x server) succeeds.
//
// Each probe opens a connection through FreeTDS, does the pre-login and the login with the
// element's user and password, and closes it: up on the server's LOGINACK; down with the
// server's error (a wrong password is "server error 18456: Login failed for user ..."), with
// the connection's failure (a closed port) or with "no answer within N ms" (a server that
// accepts the connection and then says nothing). The host keeps the policy (interval,
// timeout, when, action, the resource tds.<ident>).
#pragma once

#include <chrono>
#include <memory>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

#include "tds_target.hpp"

namespace haven::checker_tds {

class TdsChecker final : public Checker {
 public:
  explicit TdsChecker(TdsTarget target) : target_(std::move(target)) {}

  /// Makes a checker from the host's configuration element (HostContext::config()).
  static Result<std::unique_ptr<TdsChecker>> from_host(HostContext& host);

  /// One login bounded by `timeout` (rounded up to whole seconds by ct-lib).
  Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

  const TdsTarget& target() const { return target_; }

 private:
  TdsTarget target_;
};

}  // namespace haven::checker_tds
