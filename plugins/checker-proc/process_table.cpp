#include "process_table.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <iterator>
#include <system_error>

namespace haven::checker_proc {
namespace {

bool all_digits(std::string_view s) {
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

std::optional<ProcessInfo> parse_process_entry(std::string_view folder, std::string_view comm,
                                               std::string_view cmdline) {
  if (!all_digits(folder)) return std::nullopt;
  ProcessInfo p;
  // Not stoi: a folder of digits beyond int (in a test tree, or another proc_root) would throw.
  const auto read = std::from_chars(folder.data(), folder.data() + folder.size(), p.pid);
  if (read.ec != std::errc() || read.ptr != folder.data() + folder.size()) return std::nullopt;
  p.comm = comm.substr(0, comm.find('\0'));  // the kernel's task name is a C string
  if (p.comm.empty()) return std::nullopt;  // ended meanwhile
  if (p.comm.back() == '\n') p.comm.pop_back();
  std::size_t start = 0;
  while (start < cmdline.size()) {
    const auto nul = cmdline.find('\0', start);
    const auto end = nul == std::string_view::npos ? cmdline.size() : nul;
    p.argv.emplace_back(cmdline.substr(start, end - start));
    start = end + 1;
  }
  return p;
}

Result<std::vector<ProcessInfo>> read_process_table(const std::filesystem::path& proc_root) {
  std::error_code ec;
  std::filesystem::directory_iterator it(proc_root, ec);
  if (ec) return fail(Errc::io_error, "haven.checker.proc: cannot list " + proc_root.string() + ": " + ec.message());
  std::vector<ProcessInfo> out;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string folder = it->path().filename().string();
    if (!all_digits(folder)) continue;
    auto p = parse_process_entry(folder, read_small_file(it->path() / "comm"), read_small_file(it->path() / "cmdline"));
    if (p) out.push_back(std::move(*p));
  }
  return out;
}

}  // namespace haven::checker_proc
