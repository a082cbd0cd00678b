// A control request line as any local client of the control socket may send it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "control/control_message.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  auto parsed = haven::ControlRequest::parse(line);
  if (!parsed.ok()) return 0;

  // What the server accepted, a client must be able to send again and mean the same thing.
  std::string sent = parsed.value().to_json().dump();
  auto again = haven::ControlRequest::parse(sent);
  HAVEN_FUZZ_CHECK(again.ok(), "a request written by to_json is refused: " + sent);
  HAVEN_FUZZ_CHECK(again.value().command == parsed.value().command &&
                       again.value().module == parsed.value().module &&
                       again.value().args == parsed.value().args,
                   "a request changes through to_json and parse: " + sent);
  return 0;
}
