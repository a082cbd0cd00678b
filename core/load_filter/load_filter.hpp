// The farm's data path on one node: installs, replaces and removes the nftables rules that
// let this node accept only its share of the clients of the module's virtual IPs
// (docs/farm-data-path.md). Works in the calling thread's network namespace; needs
// CAP_NET_ADMIN. Calls for one module must not run concurrently (the agent makes them from
// one thread); different modules never share a table.
#pragma once

#include <string_view>

#include "haven/result.hpp"
#include "load_filter/filter_spec.hpp"

namespace haven::load_filter {

/// Installs the filter `spec` describes, or replaces the module's current one, in ONE nftables
/// transaction: the kernel switches from the old rules to the new ones at commit, so a re-deal
/// never leaves a moment where the node accepts every client or none (the base chains' policy
/// is accept, so the new chains, hooked before the commit, let the old ones decide until then).
/// vmac_invisible turns the interface's promiscuous mode on when it is off, and records that in
/// the tables' comment; vmac_directed turns it off again if haven had turned it on. Errors name
/// the module and the interface and carry nft's own message: invalid_argument/unsupported for
/// a wrong spec (nothing changed), io_error when nft or the kernel refused (nothing changed),
/// not_found when the interface does not exist.
[[nodiscard]] Status apply(const Spec& spec);

/// Deletes the module's tables (inet, arp, netdev); OK when there are none. Call it qualified
/// (load_filter::remove): unqualified with a string literal, C's ::remove(const char*) wins. Turns promiscuous
/// mode off when the tables record that haven turned it on (and the interface still exists).
[[nodiscard]] Status remove(std::string_view module);

/// Checks `spec` as apply() would, with nft parsing and evaluating the rules, without changing
/// anything (for a configuration check); with nftables 1.0.6 this is evaluation in nft only.
[[nodiscard]] Status check(const Spec& spec);

}  // namespace haven::load_filter
