#include "server_identity.hpp"

namespace haven::firebird {
namespace {

namespace fs = std::filesystem;

std::string quoted_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out.size() > 160 ? out.substr(0, 157) + "..." : out;
}

}  // namespace

std::vector<std::string> server_programs() { return {"firebird"}; }

std::string data_argument(const std::vector<std::string>& argv) {
  std::string found;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-p" || a == "-P") {
      ++i;  // its port
    } else if (!a.empty() && a.front() != '-') {
      found = a;
    }
  }
  return found;
}

bool is_server_program(std::string_view exe) { return program_name(exe) == "firebird"; }

ServerFacts server_facts(HostContext& host, ProcessFacts process) {
  ServerFacts facts;
  facts.data_argument = data_argument(process.argv);
  // Seen as the process sees it: through its root (its mount namespace).
  if (!facts.data_argument.empty() && facts.data_argument.front() == '/')
    if (auto id = host.process_file_id(process.pid, facts.data_argument)) facts.data_id = *id;
  facts.process = std::move(process);
  return facts;
}

Status judge_server(const ServerFacts& facts, const FileId& data, std::string_view data_path) {
  const ProcessFacts& p = facts.process;
  const std::string who = "process " + std::to_string(p.pid);
  if (!is_server_program(p.exe))
    return fail(Errc::refused, who + " is not a Firebird server: its program is " +
                                   (p.exe.empty() ? std::string("unreadable") : p.exe) + " (" +
                                   quoted_command(p.argv) + "), expected firebird");
  if (facts.data_argument.empty())
    return fail(Errc::refused, who + " is a Firebird server that haven did not start (" + quoted_command(p.argv) +
                                   "): its command line names no data folder, expected " + std::string(data_path));
  if (facts.data_id && *facts.data_id == data) return ok_status();
  return fail(Errc::refused, who + " is a Firebird server of another data folder: its command line names " +
                                 facts.data_argument + ", expected " + std::string(data_path));
}

Status verify_server(HostContext& host, pid_t pid, const fs::path& data) {
  auto id = file_id(data);
  if (!id) return std::move(id).error();
  auto process = host.process_facts(pid);
  if (!process) return std::move(process).error();
  return judge_server(server_facts(host, std::move(*process)), *id, data.string());
}

std::vector<pid_t> servers_of_data(HostContext& host, const fs::path& data) {
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

}  // namespace haven::firebird
