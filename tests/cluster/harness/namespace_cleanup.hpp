// Finding and removing network namespaces: the part of teardown shared by destroy(), the
// stale sweep and haven-netns down.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "haven/result.hpp"

namespace haven::cluster {

/// The names of every named network namespace (`ip netns list`), sorted.
std::vector<std::string> list_namespaces();

/// True when `netns` exists.
bool namespace_exists(const std::string& netns);

/// SIGKILLs every process inside `netns` (`ip netns pids`), then deletes it. OK when it does
/// not exist; io_error with ip's words when it stays.
Status remove_namespace(const std::string& netns);

/// True when `pid` is a live process (a zombie counts as dead).
bool process_alive(pid_t pid);

}  // namespace haven::cluster
