// The messages of the local control protocol between `haven`, `havend` and module agents.
//
// One request per connection over a Unix stream socket: the client writes one JSON object
// on one line, the server answers with one JSON object on one line and closes.
//   request:  {"command":"prim","module":"web","args":{...}}
//   response: {"ok":true,"message":"...","data":...}
//          or {"ok":false,"error":{"code":"refused","message":"..."}}
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "haven/result.hpp"

namespace haven {

struct ControlRequest {
  std::string command;       ///< "prim", "state", ...
  std::string module;        ///< empty for node-wide commands
  nlohmann::json args = nlohmann::json::object();

  nlohmann::json to_json() const;
  /// Parses one request line; the error says what is missing.
  static Result<ControlRequest> parse(const std::string& line);
};

struct ControlResponse {
  bool ok = true;
  std::string message;                 ///< for a person
  nlohmann::json data = nullptr;       ///< for scripts; on a failure, what the caller may act on
  Errc code = Errc::internal;          ///< meaningful when !ok

  static ControlResponse success(std::string message, nlohmann::json data = nullptr);
  static ControlResponse failure(const Error& error);

  nlohmann::json to_json() const;
  static Result<ControlResponse> parse(const std::string& line);
};

/// Maps an error code's name back to Errc ("refused" → Errc::refused).
Errc errc_from_string(const std::string& name);

}  // namespace haven
