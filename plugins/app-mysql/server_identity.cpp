#include "server_identity.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

namespace haven::mysql {
namespace {

namespace fs = std::filesystem;

std::string link_target(const fs::path& link) {
  std::error_code ec;
  auto target = fs::read_symlink(link, ec);
  return ec ? std::string{} : target.string();
}

std::string quoted_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out.size() > 160 ? out.substr(0, 157) + "..." : out;
}

}  // namespace

Result<FileId> file_id(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail(Errc::io_error, "cannot stat " + path.string() + ": " + std::strerror(errno));
  return FileId{st.st_dev, st.st_ino};
}

std::string datadir_argument(const std::vector<std::string>& argv) {
  std::string found;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--datadir=", 0) == 0) found = a.substr(10);
    else if ((a == "--datadir" || a == "-h") && i + 1 < argv.size()) found = argv[++i];
    else if (a.size() > 2 && a.rfind("-h", 0) == 0 && a[2] != '-') found = a.substr(2);
  }
  return found;
}

bool is_server_program(std::string_view exe) {
  constexpr std::string_view kDeleted = " (deleted)";  // the binary was replaced by an upgrade
  if (exe.size() > kDeleted.size() && exe.substr(exe.size() - kDeleted.size()) == kDeleted)
    exe.remove_suffix(kDeleted.size());
  const auto slash = exe.rfind('/');
  const auto name = slash == std::string_view::npos ? exe : exe.substr(slash + 1);
  return name == "mariadbd" || name == "mysqld";
}

ProcessFacts read_process_facts(pid_t pid, const fs::path& proc) {
  ProcessFacts facts;
  facts.pid = pid;
  const auto dir = proc / std::to_string(pid);
  std::error_code ec;
  facts.exists = pid > 0 && fs::is_directory(dir, ec);
  if (!facts.exists) return facts;
  facts.exe = link_target(dir / "exe");
  facts.cwd = link_target(dir / "cwd");
  if (auto id = file_id(dir / "cwd")) facts.cwd_id = *id;
  std::ifstream in(dir / "cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t start = 0;
  while (start < raw.size()) {
    auto end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    facts.argv.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  facts.datadir = datadir_argument(facts.argv);
  if (!facts.datadir.empty()) {
    // Seen as the process sees it: through its root (its mount namespace) or its cwd.
    const fs::path seen = facts.datadir.front() == '/' ? dir / "root" / fs::path(facts.datadir).relative_path()
                                                       : dir / "cwd" / facts.datadir;
    if (auto id = file_id(seen)) facts.datadir_id = *id;
  }
  return facts;
}

Status judge_server(const ProcessFacts& facts, const FileId& data, std::string_view data_path) {
  const std::string who = "process " + std::to_string(facts.pid);
  if (!facts.exists) return fail(Errc::not_found, who + " does not exist on this node");
  if (!is_server_program(facts.exe))
    return fail(Errc::refused, who + " is not a MariaDB or MySQL server: its program is " +
                                   (facts.exe.empty() ? std::string("unreadable") : facts.exe) + " (" +
                                   quoted_command(facts.argv) + "), expected mariadbd or mysqld");
  if (!facts.datadir.empty()) {
    if (facts.datadir_id && *facts.datadir_id == data) return ok_status();
    return fail(Errc::refused, who + " is a MariaDB server of another datadir: its command line says --datadir=" +
                                   facts.datadir + ", expected " + std::string(data_path));
  }
  if (facts.cwd_id && *facts.cwd_id == data) return ok_status();
  return fail(Errc::refused, who + " is a MariaDB server of another datadir: it has no --datadir and works in " +
                                 (facts.cwd.empty() ? std::string("an unreadable folder") : facts.cwd) +
                                 ", expected " + std::string(data_path));
}

Status verify_server(pid_t pid, const fs::path& data) {
  auto id = file_id(data);
  if (!id) return std::move(id).error();
  return judge_server(read_process_facts(pid), *id, data.string());
}

std::vector<pid_t> servers_of_datadir(const fs::path& data, const fs::path& proc) {
  std::vector<pid_t> found;
  auto id = file_id(data);
  if (!id) return found;
  std::error_code ec;
  for (fs::directory_iterator it(proc, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    pid_t pid = 0;
    const auto [p, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (err != std::errc{} || p != name.data() + name.size() || pid <= 0) continue;
    // Cheap test first: most processes are not servers.
    if (!is_server_program(link_target(it->path() / "exe"))) continue;
    if (judge_server(read_process_facts(pid, proc), *id, data.string())) found.push_back(pid);
  }
  return found;
}

}  // namespace haven::mysql
