#include "server_identity.hpp"

namespace haven::mysql {
namespace {

namespace fs = std::filesystem;

std::string quoted_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out.size() > 160 ? out.substr(0, 157) + "..." : out;
}

}  // namespace

std::vector<std::string> server_programs() { return {"mariadbd", "mysqld"}; }

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
  const auto name = program_name(exe);
  return name == "mariadbd" || name == "mysqld";
}

ServerFacts server_facts(HostContext& host, ProcessFacts process) {
  ServerFacts facts;
  facts.datadir = datadir_argument(process.argv);
  // Seen as the process sees it: through its root (its mount namespace) or its cwd.
  if (!facts.datadir.empty())
    if (auto id = host.process_file_id(process.pid, facts.datadir)) facts.datadir_id = *id;
  facts.process = std::move(process);
  return facts;
}

Status judge_server(const ServerFacts& facts, const FileId& data, std::string_view data_path) {
  const ProcessFacts& p = facts.process;
  const std::string who = "process " + std::to_string(p.pid);
  if (!is_server_program(p.exe))
    return fail(Errc::refused, who + " is not a MariaDB or MySQL server: its program is " +
                                   (p.exe.empty() ? std::string("unreadable") : p.exe) + " (" +
                                   quoted_command(p.argv) + "), expected mariadbd or mysqld");
  if (!facts.datadir.empty()) {
    if (facts.datadir_id && *facts.datadir_id == data) return ok_status();
    return fail(Errc::refused, who + " is a MariaDB server of another datadir: its command line says --datadir=" +
                                   facts.datadir + ", expected " + std::string(data_path));
  }
  if (p.cwd_id && *p.cwd_id == data) return ok_status();
  return fail(Errc::refused, who + " is a MariaDB server of another datadir: it has no --datadir and works in " +
                                 (p.cwd.empty() ? std::string("an unreadable folder") : p.cwd) + ", expected " +
                                 std::string(data_path));
}

Status verify_server(HostContext& host, pid_t pid, const fs::path& data) {
  auto id = file_id(data);
  if (!id) return std::move(id).error();
  auto process = host.process_facts(pid);
  if (!process) return std::move(process).error();
  return judge_server(server_facts(host, std::move(*process)), *id, data.string());
}

std::vector<pid_t> servers_of_datadir(HostContext& host, const fs::path& data) {
  std::vector<pid_t> found;
  auto id = file_id(data);
  if (!id) return found;
  auto running = host.processes_running(server_programs());
  if (!running) return found;
  for (auto& process : *running) {
    const pid_t pid = process.pid;
    if (judge_server(server_facts(host, std::move(process)), *id, data.string())) found.push_back(pid);
  }
  return found;
}

}  // namespace haven::mysql
