// Removing this process's clusters when it is interrupted (SIGINT, SIGTERM, SIGHUP), when no
// destructor will run. The signal handler only forks (a raw clone: no locks taken) and execs
// /bin/sh on a script prepared beforehand, waits for it, then hands the signal on to the
// handler that was there before (or to the default action, so the process still dies of it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace haven::cluster {

/// Records the namespaces of one live cluster (call before creating them) and makes sure the
/// handler is installed for each of those signals not ignored by this process. Returns a
/// token for unregister_namespaces.
std::uint64_t register_namespaces(const std::vector<std::string>& namespaces);

/// Forgets a cluster that was destroyed or released.
void unregister_namespaces(std::uint64_t token);

/// The shell script the handler would run now (empty when nothing is registered); for tests.
std::string interrupt_script();

}  // namespace haven::cluster
