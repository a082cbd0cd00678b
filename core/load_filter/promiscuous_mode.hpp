// The interface's user-set promiscuous flag (what `ip link set promisc on` sets), in the
// calling thread's network namespace. Packet sockets (tcpdump) raise promiscuity without this
// flag, so reading it tells whether an administrator or haven asked for promiscuous mode.
#pragma once

#include <string>

#include "haven/result.hpp"
#include "load_filter/filter_spec.hpp"

namespace haven::load_filter {

/// True when the flag is set; not_found when the interface does not exist.
[[nodiscard]] Result<bool> promiscuous(const std::string& interface);

/// Sets or clears the flag; io_error or not_found naming the interface and the system's words.
[[nodiscard]] Status set_promiscuous(const std::string& interface, bool on);

/// The interface's own MAC address; not_found when it does not exist.
[[nodiscard]] Result<MacBytes> hardware_address(const std::string& interface);

}  // namespace haven::load_filter
