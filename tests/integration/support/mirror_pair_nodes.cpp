#include "mirror_pair_nodes.hpp"

#include <signal.h>

#include <fstream>
#include <stdexcept>

#include "test_module.hpp"

namespace haven::test {
namespace {

void require(const CommandResult& r, const std::string& what) {
  if (r.exit_code != 0) throw std::runtime_error(what + " failed: " + r.describe());
}

std::string shared_record_lua(const std::string& hook, const std::filesystem::path& file) {
  return "do\n"
         "  local f = assert(io.open(\"" + file.string() + "\", \"a\"))\n"
         "  f:write(table.concat({ os.getenv(\"HAVEN_NODE\"), \"" + hook + "\", ... }, \" \"), \"\\n\")\n"
         "  f:close()\n"
         "end\n";
}

void install_module(const HavenTestNode& node, const MirrorPairSettings& settings) {
  std::map<std::string, std::string> then;
  if (!settings.shared_record.empty())
    for (const auto& hook : kAllHooks) then[hook] = shared_record_lua(hook, settings.shared_record);
  auto archive = pack_module(node.work_dir(), MirrorPairNodes::kModule,
                             {MirrorPairNodes::userconfig(settings), recording_hooks(then)});
  std::vector<std::string> args{"module", "install", "-m", MirrorPairNodes::kModule, archive.string()};
  if (settings.module_id) args.insert(args.end(), {"-M", std::to_string(*settings.module_id)});
  require(node.haven(args),
          "haven module install on " + node.root().string());
}

}  // namespace

std::string MirrorPairNodes::cluster_xml(int cluster_port) {
  return "<cluster><lans port=\"" + std::to_string(cluster_port) + "\"><lan name=\"default\">"
         "<node name=\"node1\" addr=\"127.0.0.1\"/><node name=\"node2\" addr=\"127.0.0.2\"/>"
         "</lan></lans></cluster>\n";
}

std::string MirrorPairNodes::userconfig(const MirrorPairSettings& s) {
  return "<!DOCTYPE safe>\n<safe><service mode=\"mirror\" " + s.service_attributes + ">"
         "<heart port=\"" + std::to_string(s.heart_port) + "\" pulse=\"" + s.pulse + "\" timeout=\"" + s.timeout +
         "\">" +
         (s.heartbeat_lan.empty() ? std::string() : "<heartbeat name=\"" + s.heartbeat_lan + "\"/>") + "</heart>"
         "<user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>" + s.service_children +
         "</service></safe>\n";
}

MirrorPairNodes::MirrorPairNodes(const MirrorPairSettings& settings)
    : node1_("node1", cluster_xml(settings.cluster_port), settings.node_env[0]),
      node2_("node2", cluster_xml(settings.cluster_port), settings.node_env[1]) {
  require(node1_.haven({"cluster", "genkey"}), "haven cluster genkey on node1");
  if (settings.same_key) {
    std::filesystem::copy_file(node1_.paths().cluster_key(), node2_.paths().cluster_key(),
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(node2_.paths().cluster_key(),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  } else {
    require(node2_.haven({"cluster", "genkey"}), "haven cluster genkey on node2");
  }
  install_module(node1_, settings);
  install_module(node2_, settings);
}

CommandResult MirrorPairNodes::command(int n, const std::string& cmd, const std::vector<std::string>& more) {
  std::vector<std::string> args{cmd, "-m", kModule};
  args.insert(args.end(), more.begin(), more.end());
  return node(n).haven(args, {}, std::chrono::seconds(60));
}

PolledState MirrorPairNodes::poll(int n) {
  auto r = node(n).haven({"--json", "state", "-m", kModule}, {}, std::chrono::seconds(10));
  try {
    auto j = nlohmann::json::parse(r.out);
    if (j.is_array() && !j.empty()) return {j[0].value("state", "?"), j[0].value("substate", "")};
  } catch (const nlohmann::json::exception&) {
  }
  return {"?", ""};
}

nlohmann::json MirrorPairNodes::wait_for(int n, const std::string& state, const std::string& substate,
                                         std::chrono::milliseconds timeout) {
  return node(n).wait_for_state(kModule, state, substate, timeout);
}

void MirrorPairNodes::pair_up() {
  require(command(2, "start"), "haven start on node2");
  require(command(1, "prim"), "haven prim on node1");
  auto s1 = wait_for(1, "PRIM", "Ready");
  auto s2 = wait_for(2, "SECOND", "Ready");
  if (s1.value("state", "") != "PRIM" || s2.value("state", "") != "SECOND" || s1.value("substate", "") != "Ready" ||
      s2.value("substate", "") != "Ready")
    throw std::runtime_error("the pair did not form: node1 " + s1.dump() + ", node2 " + s2.dump());
}

int MirrorPairNodes::agent_pid(int n) {
  auto s = state(n);
  return s.value("state", "STOP") == "STOP" ? 0 : s.value("pid", 0);
}

bool MirrorPairNodes::kill_agent(int n) {
  const int pid = agent_pid(n);
  return pid > 0 && ::kill(pid, SIGKILL) == 0;
}

std::vector<std::string> MirrorPairNodes::take_hook_record(int n) {
  const auto file = node(n).record_file(kModule);
  auto lines = read_lines(file);
  std::ofstream(file, std::ios::trunc);
  return lines;
}

std::string MirrorPairNodes::module_log(int n) { return slurp(node(n).module_log(kModule)); }

}  // namespace haven::test
