// The remote command server's slot accounting (core/remote/connection_slots.*): connections
// taken and given back in any order, from any of 16 addresses, as a flood of clients that
// connect, reset and reconnect would make them.
// Bytes 0-1: the limits (total 1..64, per address 1..16). Then one byte per operation: bit 7
// give back (else take), bits 0-3 the address.
// Property: the slots agree with a plain model at every step: a take is refused exactly when
// the total or that address is at its limit, with a reason naming which; the counts never go
// above the limits nor below zero; giving back a slot never taken changes nothing; the table
// holds exactly the addresses with a connection in progress.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "remote/connection_slots.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int max_total = 1 + data[0] % 64;
  const int max_per_source = 1 + data[1] % 16;
  haven::ConnectionSlots slots(max_total, max_per_source);
  std::array<int, 16> model{};
  int total = 0;
  for (std::size_t i = 2; i < size; ++i) {
    const bool give_back = (data[i] & 0x80) != 0;
    const std::size_t who = data[i] & 0x0f;
    const std::string peer = "198.51.100." + std::to_string(who + 1);
    if (give_back) {
      slots.give_back(peer);
      if (model[who] > 0) {
        --model[who];
        --total;
      }
    } else {
      const bool full = total >= max_total;
      const bool source_full = model[who] >= max_per_source;
      auto refused = slots.take(peer);
      HAVEN_FUZZ_CHECK(refused.has_value() == (full || source_full),
                       "take from " + peer + " with " + std::to_string(total) + "/" + std::to_string(max_total) + " in all and " +
                           std::to_string(model[who]) + "/" + std::to_string(max_per_source) + " from it");
      if (refused) {
        const bool names_total = refused->find("connections in progress") != std::string::npos &&
                                 refused->find("from that address") == std::string::npos;
        HAVEN_FUZZ_CHECK(names_total == full, "the refusal names the wrong limit: " + *refused);
      } else {
        ++model[who];
        ++total;
      }
    }
    HAVEN_FUZZ_CHECK(slots.active() == total, "active " + std::to_string(slots.active()) + ", model " + std::to_string(total));
    HAVEN_FUZZ_CHECK(slots.active() <= max_total, "above the total limit");
    std::size_t sources = 0;
    for (std::size_t a = 0; a < model.size(); ++a) {
      const std::string address = "198.51.100." + std::to_string(a + 1);
      HAVEN_FUZZ_CHECK(slots.from(address) == model[a], address + ": " + std::to_string(slots.from(address)) + " in progress, model " +
                                                            std::to_string(model[a]));
      HAVEN_FUZZ_CHECK(model[a] <= max_per_source, "above the per-address limit");
      if (model[a] > 0) ++sources;
    }
    HAVEN_FUZZ_CHECK(slots.sources() == sources, "the table keeps an address with nothing in progress");
  }
  return 0;
}
