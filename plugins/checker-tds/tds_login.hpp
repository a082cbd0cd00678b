// One login to a TDS server through FreeTDS's ct-lib: pre-login, login7, and the server's
// LOGINACK or ERROR. Each attempt has a ct-lib context of its own (its own login timeout and
// message callbacks), so attempts on several threads never share state.
#pragma once

#include <chrono>
#include <string>

#include "tds_target.hpp"

namespace haven::checker_tds {

/// How one login attempt ended.
struct TdsLoginOutcome {
  bool logged_in = false;
  /// What the server and FreeTDS said, joined with "; " ("server error 18456: Login failed
  /// for user 'sa'."), empty when the login succeeded without a word.
  std::string messages;
  bool timed_out = false;              ///< the attempt spent its whole timeout
  std::chrono::milliseconds elapsed{0};
};

/// Connects to `target`, logs in and closes the connection again. `timeout` bounds the TCP
/// connection and the login exchange; ct-lib counts in whole seconds, so it is rounded up to
/// the next second (1 s at least). Safe to call from any thread; never throws.
TdsLoginOutcome login_once(const TdsTarget& target, std::chrono::milliseconds timeout) noexcept;

}  // namespace haven::checker_tds
