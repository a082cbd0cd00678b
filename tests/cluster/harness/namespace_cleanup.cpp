#include "namespace_cleanup.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "command_runner.hpp"

namespace haven::cluster {
namespace {

using namespace std::chrono_literals;
const std::filesystem::path kNetnsDir = "/run/netns";

std::vector<pid_t> pids_in(const std::string& netns) {
  const auto r = run_command({ip_program(), "netns", "pids", netns}, 5s);
  std::vector<pid_t> pids;
  std::istringstream in(r.out);
  long pid = 0;
  while (in >> pid)
    if (pid > 1) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

}  // namespace

std::vector<std::string> list_namespaces() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, ec)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

bool namespace_exists(const std::string& netns) {
  std::error_code ec;
  return !netns.empty() && std::filesystem::exists(kNetnsDir / netns, ec);
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');  // the command name may hold spaces and parentheses
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

Status remove_namespace(const std::string& netns) {
  if (!namespace_exists(netns)) return ok_status();
  // A process left inside would keep the namespace, and its veth ends, alive after the delete.
  for (int round = 0; round < 3; ++round) {
    const auto pids = pids_in(netns);
    if (pids.empty()) break;
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(20ms);
  }
  const auto r = run_command({ip_program(), "netns", "delete", netns}, 10s);
  if (namespace_exists(netns))
    return fail(Errc::io_error, fmt::format("cannot delete network namespace {}: {}; remove it by hand with "
                                            "`ip netns delete {}`",
                                            netns, r.describe(), netns));
  return ok_status();
}

}  // namespace haven::cluster
