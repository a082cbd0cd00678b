#include "module_processes.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace haven::cli {
namespace {

std::string read_whole(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// NUL-separated strings ("a\0b\0") as a list.
std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\0', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The parent pid and state letter from /proc/PID/stat; the name may hold spaces and ')'.
std::optional<std::pair<pid_t, char>> parse_stat(const std::string& stat) {
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return std::nullopt;
  const char state = stat[close + 2];
  try {
    return std::make_pair(static_cast<pid_t>(std::stol(stat.substr(close + 4))), state);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::vector<ModuleProcess> select_module_processes(const std::vector<ProcessInfo>& table,
                                                   std::optional<pid_t> agent_pid, const std::string& module,
                                                   const std::string& user_var_dir) {
  std::map<pid_t, std::string> why;
  if (agent_pid) {
    std::set<pid_t> family{*agent_pid};
    why[*agent_pid] = "agent";
    // Parents may come after their children in /proc order: repeat until nothing is added.
    for (bool added = true; added;) {
      added = false;
      for (const auto& p : table)
        if (!family.count(p.pid) && family.count(p.ppid)) {
          family.insert(p.pid);
          why[p.pid] = "started by the agent (parent " + std::to_string(p.ppid) + ")";
          added = true;
        }
    }
  }
  for (const auto& p : table) {
    const auto m = p.env.find("SAFEMODULE");
    const auto v = p.env.find("SAFEUSERVAR");
    if (m != p.env.end() && m->second == module && v != p.env.end() && v->second == user_var_dir && !why.count(p.pid))
      why[p.pid] = "hook environment (SAFEMODULE=" + module + ")";
  }
  std::vector<ModuleProcess> out;
  for (const auto& p : table)
    if (auto it = why.find(p.pid); it != why.end()) out.push_back({p, it->second});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.process.pid < b.process.pid; });
  return out;
}

std::vector<ProcessInfo> read_process_table() {
  std::vector<ProcessInfo> table;
  std::error_code ec;
  const pid_t self = ::getpid();
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    ProcessInfo p;
    p.pid = static_cast<pid_t>(std::stol(name));
    if (p.pid == self) continue;
    const auto stat = parse_stat(read_whole(it->path() / "stat"));
    if (!stat || stat->second == 'Z') continue;
    p.ppid = stat->first;
    for (const auto& arg : split_nul(read_whole(it->path() / "cmdline"))) p.command += (p.command.empty() ? "" : " ") + arg;
    for (const auto& entry : split_nul(read_whole(it->path() / "environ"))) {
      const auto eq = entry.find('=');
      if (eq == std::string::npos) continue;
      const auto key = entry.substr(0, eq);
      if (key == "SAFEMODULE" || key == "SAFEUSERVAR") p.env[key] = entry.substr(eq + 1);
    }
    table.push_back(std::move(p));
  }
  return table;
}

nlohmann::json to_json(const std::vector<ModuleProcess>& processes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : processes)
    list.push_back({{"pid", p.process.pid}, {"ppid", p.process.ppid}, {"command", p.process.command}, {"why", p.why}});
  return list;
}

}  // namespace haven::cli
