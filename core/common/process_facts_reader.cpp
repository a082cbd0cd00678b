#include "common/process_facts_reader.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <system_error>

namespace haven {
namespace {

namespace fs = std::filesystem;

std::string link_target(const fs::path& link) {
  std::error_code ec;
  auto target = fs::read_symlink(link, ec);
  return ec ? std::string{} : target.string();
}

std::string file_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// cmdline: the arguments, each ended by a NUL.
std::vector<std::string> split_at_nuls(const std::string& raw) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < raw.size()) {
    auto end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    words.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

// status: "Uid:\t<real>\t<effective>\t<saved>\t<fs>".
std::optional<uid_t> real_uid(const std::string& status) {
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("Uid:", 0) != 0) continue;
    std::istringstream fields(line.substr(4));
    unsigned long uid = 0;
    if (fields >> uid) return static_cast<uid_t>(uid);
    return std::nullopt;
  }
  return std::nullopt;
}

// stat: "<pid> (<comm>) <state> ...": the command may hold spaces and parentheses, the state
// follows the last ')'.
bool zombie_state(const std::string& stat) {
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

std::optional<pid_t> pid_of_entry(const std::string& name) {
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc{} || end != name.data() + name.size() || pid <= 0) return std::nullopt;
  return pid;
}

Error no_such_process(pid_t pid) {
  return fail(Errc::not_found, "process " + std::to_string(pid) + " does not exist on this node");
}

}  // namespace

Result<ProcessFacts> read_process_facts(pid_t pid, const fs::path& proc) {
  const auto dir = proc / std::to_string(pid);
  std::error_code ec;
  if (pid <= 0 || !fs::is_directory(dir, ec)) return no_such_process(pid);
  ProcessFacts facts;
  facts.pid = pid;
  facts.exe = link_target(dir / "exe");
  facts.cwd = link_target(dir / "cwd");
  if (auto id = file_id(dir / "cwd")) facts.cwd_id = *id;
  facts.argv = split_at_nuls(file_text(dir / "cmdline"));
  facts.uid = real_uid(file_text(dir / "status"));
  facts.zombie = zombie_state(file_text(dir / "stat"));
  return facts;
}

Result<std::vector<ProcessFacts>> read_processes_running(const std::vector<std::string>& programs,
                                                         const fs::path& proc) {
  std::vector<ProcessFacts> found;
  std::error_code ec;
  fs::directory_iterator it(proc, ec);
  if (ec) return fail(Errc::io_error, "cannot list the processes in " + proc.string() + ": " + ec.message());
  for (fs::directory_iterator end; it != end; it.increment(ec)) {
    const auto pid = pid_of_entry(it->path().filename().string());
    if (!pid) continue;
    // The exe link first: most processes are not the program asked for.
    const auto name = program_name(link_target(it->path() / "exe"));
    if (std::find(programs.begin(), programs.end(), name) == programs.end()) continue;
    if (auto facts = read_process_facts(*pid, proc)) found.push_back(std::move(*facts));
  }
  if (ec) return fail(Errc::io_error, "cannot list the processes in " + proc.string() + ": " + ec.message());
  std::sort(found.begin(), found.end(), [](const ProcessFacts& a, const ProcessFacts& b) { return a.pid < b.pid; });
  return found;
}

Result<FileId> read_process_file_id(pid_t pid, const fs::path& path, const fs::path& proc) {
  const auto dir = proc / std::to_string(pid);
  std::error_code ec;
  if (pid <= 0 || !fs::is_directory(dir, ec)) return no_such_process(pid);
  const fs::path seen = path.is_absolute() ? dir / "root" / path.relative_path() : dir / "cwd" / path;
  auto id = file_id(seen);
  if (!id)
    return fail(Errc::io_error, "cannot stat " + path.string() + " as process " + std::to_string(pid) +
                                    " sees it (" + id.error().message + ")");
  return id;
}

}  // namespace haven
