// A control response line as the CLI reads it from havend or an agent.
#include <cstddef>
#include <cstdint>
#include <string>

#include "control/control_message.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  auto parsed = haven::ControlResponse::parse(line);
  if (!parsed.ok()) return 0;

  const auto& response = parsed.value();
  std::string sent = response.to_json().dump();
  auto again = haven::ControlResponse::parse(sent);
  HAVEN_FUZZ_CHECK(again.ok(), "a response written by to_json is refused: " + sent);
  HAVEN_FUZZ_CHECK(again.value().ok == response.ok && again.value().message == response.message,
                   "a response changes through to_json and parse: " + sent);
  if (response.ok)
    HAVEN_FUZZ_CHECK(again.value().data == response.data, "response data changes: " + sent);
  else
    HAVEN_FUZZ_CHECK(again.value().code == response.code, "error code changes: " + sent);
  return 0;
}
