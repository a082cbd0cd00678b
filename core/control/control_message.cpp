#include "control/control_message.hpp"

#include "control/bounded_json.hpp"

namespace haven {

nlohmann::json ControlRequest::to_json() const {
  return {{"command", command}, {"module", module}, {"args", args}};
}

Result<ControlRequest> ControlRequest::parse(const std::string& line) {
  auto parsed = parse_bounded_json(line, "control request");
  if (!parsed.ok()) return std::move(parsed).error();
  nlohmann::json j = std::move(*parsed);
  if (!j.is_object()) return fail(Errc::parse_error, "control request is not a JSON object");
  if (!j.contains("command") || !j["command"].is_string())
    return fail(Errc::invalid_argument, "control request has no \"command\" string");
  ControlRequest r;
  r.command = j["command"].get<std::string>();
  if (j.contains("module") && j["module"].is_string()) r.module = j["module"].get<std::string>();
  if (j.contains("args") && j["args"].is_object()) r.args = j["args"];
  return r;
}

ControlResponse ControlResponse::success(std::string message, nlohmann::json data) {
  ControlResponse r;
  r.ok = true;
  r.message = std::move(message);
  r.data = std::move(data);
  return r;
}

ControlResponse ControlResponse::failure(const Error& error) {
  ControlResponse r;
  r.ok = false;
  r.code = error.code;
  r.message = error.message;
  return r;
}

nlohmann::json ControlResponse::to_json() const {
  if (ok) return {{"ok", true}, {"message", message}, {"data", data}};
  nlohmann::json j{{"ok", false}, {"error", {{"code", to_string(code)}, {"message", message}}}};
  if (!data.is_null()) j["data"] = data;  // what a script needs to act on the refusal
  return j;
}

namespace {

// A string member, or the fallback when it is absent or of another type: a malformed
// answer must become an error message, never an exception in the reader.
std::string string_member(const nlohmann::json& j, const char* key, const std::string& fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

Result<ControlResponse> ControlResponse::parse(const std::string& line) {
  auto parsed = parse_bounded_json(line, "control response");
  if (!parsed.ok()) return std::move(parsed).error();
  nlohmann::json j = std::move(*parsed);
  if (!j.is_object() || !j.contains("ok"))
    return fail(Errc::parse_error, "control response is not a JSON object with \"ok\"");
  ControlResponse r;
  r.ok = j["ok"].is_boolean() && j["ok"].get<bool>();
  if (r.ok) {
    r.message = string_member(j, "message", "");
    r.data = j.contains("data") ? j["data"] : nlohmann::json(nullptr);
  } else {
    auto e = j.contains("error") && j["error"].is_object() ? j["error"] : nlohmann::json::object();
    r.code = errc_from_string(string_member(e, "code", "internal"));
    r.message = string_member(e, "message", "the server answered with an error it did not describe");
    r.data = j.contains("data") ? j["data"] : nlohmann::json(nullptr);
  }
  return r;
}

Errc errc_from_string(const std::string& name) {
  for (Errc c : {Errc::invalid_argument, Errc::not_found, Errc::already_exists, Errc::io_error,
                 Errc::parse_error, Errc::abi_mismatch, Errc::timeout, Errc::refused,
                 Errc::unsupported, Errc::internal})
    if (name == to_string(c)) return c;
  return Errc::internal;
}

}  // namespace haven
