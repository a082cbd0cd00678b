#include "postmaster_identity.hpp"

namespace haven::postgresql {
namespace {

namespace fs = std::filesystem;

bool is_postgres_program(std::string_view exe) {
  const auto name = program_name(exe);
  return name == "postgres" || name == "postmaster";
}

std::string quoted_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out.size() > 120 ? out.substr(0, 117) + "..." : out;
}

}  // namespace

std::vector<std::string> server_programs() { return {"postgres", "postmaster"}; }

Status judge_postmaster(const ProcessFacts& facts, const FileId& data, std::string_view data_path) {
  const std::string who = "process " + std::to_string(facts.pid);
  if (!is_postgres_program(facts.exe))
    return fail(Errc::refused, who + " is not a PostgreSQL server: its program is " +
                                   (facts.exe.empty() ? std::string("unreadable") : facts.exe) + " (" +
                                   quoted_command(facts.argv) + "), expected postgres or postmaster");
  if (!facts.cwd_id || !(*facts.cwd_id == data))
    return fail(Errc::refused, who + " is a PostgreSQL server of another data directory: it works in " +
                                   (facts.cwd.empty() ? std::string("an unreadable folder") : facts.cwd) +
                                   ", expected " + std::string(data_path));
  if (!facts.argv.empty() && facts.argv[0].rfind("postgres:", 0) == 0)
    return fail(Errc::refused, who + " is a server process of " + std::string(data_path) + " (" +
                                   quoted_command(facts.argv) + "), not its postmaster");
  return ok_status();
}

Status verify_postmaster(HostContext& host, pid_t pid, const fs::path& data) {
  auto id = file_id(data);
  if (!id) return std::move(id).error();
  auto facts = host.process_facts(pid);
  if (!facts) return std::move(facts).error();
  return judge_postmaster(*facts, *id, data.string());
}

std::vector<pid_t> processes_in_data_directory(HostContext& host, const fs::path& data) {
  std::vector<pid_t> found;
  auto id = file_id(data);
  if (!id) return found;
  auto running = host.processes_running(server_programs());
  if (!running) return found;
  for (const auto& facts : *running)
    if (facts.cwd_id && *facts.cwd_id == *id) found.push_back(facts.pid);
  return found;
}

}  // namespace haven::postgresql
