// haven SDK: the result type that crosses every module and plugin boundary.
//
// No exception ever crosses a plugin boundary: functions return Result<T> (a value or an
// Error) or Status (Result<void>). An Error carries a code a program can branch on and a
// message written for an administrator: the thing, the place, and what was expected.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace haven {

/// Broad classes of failure; programs branch on these, people read the message.
enum class Errc {
  invalid_argument,  ///< input (a file, a flag, a value) is not what was expected
  not_found,         ///< a named thing (module, file, plugin, hook) does not exist
  already_exists,    ///< creating something that is already there
  io_error,          ///< the operating system refused or failed an operation
  parse_error,       ///< a document could not be parsed
  abi_mismatch,      ///< a plugin was built for another ABI or toolchain
  timeout,           ///< an operation ran past its allowed time
  refused,           ///< the request is valid but not allowed in the current state
  unsupported,       ///< the request names something haven does not do (yet)
  internal,          ///< a bug in haven or in a plugin; the message says where
};

/// Returns the stable lower-case name of an error code ("not_found"), for logs and JSON.
constexpr const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::not_found: return "not_found";
    case Errc::already_exists: return "already_exists";
    case Errc::io_error: return "io_error";
    case Errc::parse_error: return "parse_error";
    case Errc::abi_mismatch: return "abi_mismatch";
    case Errc::timeout: return "timeout";
    case Errc::refused: return "refused";
    case Errc::unsupported: return "unsupported";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

/// A failure: a code and a complete, human-readable message.
struct Error {
  Errc code = Errc::internal;
  std::string message;
};

/// Builds an Error; the usual way to fail: `return haven::fail(Errc::not_found, "...")`.
inline Error fail(Errc code, std::string message) { return Error{code, std::move(message)}; }

/// Either a T or an Error. Cheap when OK; never throws from its observers except
/// value() on an error, which is a programming mistake (check ok() first).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}       // NOLINT: implicit on purpose

  /// True when the result holds a value.
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  /// The value; only valid when ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// The error; only valid when !ok().
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

/// Success or an Error, for operations that produce no value.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit on purpose

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  /// The error; only valid when !ok().
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_{};
  bool ok_ = true;
};

/// Result of an operation that produces no value.
using Status = Result<void>;

/// The success Status.
inline Status ok_status() { return Status{}; }

}  // namespace haven
