// Which changes of a module's configuration the seed product allows while the module runs
// (`haven update -m M`, in ALONE(Ready) or WAIT(NotReady)): the <service> attributes boot,
// boot_delay, maxloop, loop_interval and automatic_reboot; anything in <heart>, <user>,
// <errd> and <check>; in <rfs> the attributes async, nbrei, reitimeout and reidetail, and
// <flow>. Everything else needs the module stopped. Pure: two documents in, a list out.
#pragma once

#include <string>
#include <vector>

#include "haven/config_node.hpp"
#include "haven/result.hpp"

namespace haven {

/// Every change from `applied` to `current` (both the document's root element, <safe>) that
/// is not allowed on a running module, each named as an administrator reads it: "<service
/// mode>" (an attribute), "<vip>" (an element added, removed or changed), "<rfs><replicated>".
/// Empty when every change is allowed (or there is none). Line numbers and file names do not
/// count; attribute order does not count; element order does.
std::vector<std::string> changes_refused_while_running(const ConfigNode& applied, const ConfigNode& current);

/// The same for two userconfig.xml texts; invalid_argument naming `label` when either is not
/// a configuration document.
Result<std::vector<std::string>> changes_refused_while_running(const std::string& applied_xml,
                                                               const std::string& current_xml,
                                                               const std::string& label);

}  // namespace haven
