#include "process_table.hpp"

#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>

namespace haven::checker_proc {
namespace {

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  return true;
}

std::string read_small_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

Result<std::vector<ProcessInfo>> read_process_table(const std::filesystem::path& proc_root) {
  std::error_code ec;
  std::filesystem::directory_iterator it(proc_root, ec);
  if (ec) return fail(Errc::io_error, "haven.checker.proc: cannot list " + proc_root.string() + ": " + ec.message());
  std::vector<ProcessInfo> out;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string pid = it->path().filename().string();
    if (!all_digits(pid)) continue;
    ProcessInfo p;
    p.pid = std::stoi(pid);
    p.comm = read_small_file(it->path() / "comm");
    if (p.comm.empty()) continue;  // ended meanwhile
    if (p.comm.back() == '\n') p.comm.pop_back();
    const std::string cmdline = read_small_file(it->path() / "cmdline");
    std::size_t start = 0;
    while (start < cmdline.size()) {
      const auto nul = cmdline.find('\0', start);
      const auto end = nul == std::string::npos ? cmdline.size() : nul;
      p.argv.push_back(cmdline.substr(start, end - start));
      start = end + 1;
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace haven::checker_proc
