#include "tds_checker.hpp"

#include "tds_login.hpp"

namespace haven::checker_tds {

Result<std::unique_ptr<TdsChecker>> TdsChecker::from_host(HostContext& host) {
  const ConfigNode* config = host.config();
  if (config == nullptr)
    return fail(Errc::invalid_argument,
                "haven.checker.tds needs its <tds addr port user password/> element and was made without one");
  auto target = parse_tds_target(*config);
  if (!target.ok()) return std::move(target).error();
  return std::make_unique<TdsChecker>(std::move(target).value());
}

Result<CheckResult> TdsChecker::probe(std::chrono::milliseconds timeout) noexcept {
  try {
    const auto outcome = login_once(target_, timeout);
    const std::string who = target_.endpoint() + " as " + target_.user;
    if (outcome.logged_in)
      return CheckResult{true, "logged in to " + who + " in " + std::to_string(outcome.elapsed.count()) + " ms"};
    std::string reason = "cannot log in to " + who + ": ";
    if (outcome.timed_out)
      reason += "no answer within " + std::to_string(outcome.elapsed.count()) + " ms";
    else if (outcome.messages.empty())
      reason += "the server refused the login without saying why";
    else
      reason += outcome.messages;
    // FreeTDS's words for a connection that nothing accepts: say what to look at.
    if (outcome.messages.find("Unable to connect") != std::string::npos)
      reason += " (is SQL Server running and listening on " + target_.endpoint() + "?)";
    return CheckResult{false, reason};
  } catch (const std::exception& e) {
    return fail(Errc::internal, "haven.checker.tds probe of " + target_.endpoint() + " failed: " + e.what());
  }
}

}  // namespace haven::checker_tds
