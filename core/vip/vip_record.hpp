// The durable record of the virtual addresses a module's agent has added (or is about to):
// written before any address is added and removed only once they are all gone, so that
// havend can remove them after the agent died, and a node before it joins the cluster.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "haven/result.hpp"
#include "vip/netlink_addresses.hpp"

namespace haven::vip {

/// Writes the record atomically (fsynced file and folder).
[[nodiscard]] Status save_vip_record(const std::filesystem::path& file, const std::string& module,
                                     const std::vector<AddressAssignment>& addresses);

/// The recorded addresses; empty when there is no record. parse_error names the file and
/// what is wrong in it.
[[nodiscard]] Result<std::vector<AddressAssignment>> load_vip_record(const std::filesystem::path& file);

/// Removes the record and fsyncs its folder; OK when it is already gone.
[[nodiscard]] Status clear_vip_record(const std::filesystem::path& file);

}  // namespace haven::vip
