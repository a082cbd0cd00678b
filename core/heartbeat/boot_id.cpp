#include "heartbeat/boot_id.hpp"

#include <openssl/rand.h>

namespace haven {

Result<BootId> new_boot_id(std::uint64_t started_unix_ms) {
  BootId boot;
  boot.started_unix_ms = started_unix_ms;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&boot.nonce), sizeof boot.nonce) != 1)
    return fail(Errc::io_error,
                "cannot choose a heartbeat boot id: OpenSSL's random generator has no entropy "
                "(RAND_bytes failed); check /dev/urandom and restart the agent");
  return boot;
}

}  // namespace haven
