#include "process_scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace haven::test {
namespace {

std::string read_proc(pid_t pid, const char* what) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + what, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

// A zombie is already dead: it only waits for its parent to read its status.
bool is_zombie(pid_t pid) {
  const std::string stat = read_proc(pid, "stat");
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

template <typename Match>
std::vector<pid_t> scan(Match match) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid() || is_zombie(pid)) continue;
    if (match(pid)) out.push_back(pid);
  }
  return out;
}

}  // namespace

std::vector<pid_t> processes_with_cmdline(const std::string& marker) {
  return scan([&](pid_t pid) { return read_proc(pid, "cmdline").find(marker) != std::string::npos; });
}

std::vector<pid_t> processes_mentioning(const std::string& text) {
  return scan([&](pid_t pid) {
    return read_proc(pid, "cmdline").find(text) != std::string::npos ||
           read_proc(pid, "environ").find(text) != std::string::npos;
  });
}

std::string describe_processes(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t pid : pids) out += std::to_string(pid) + ": " + read_proc(pid, "cmdline") + "\n";
  return out;
}

}  // namespace haven::test
