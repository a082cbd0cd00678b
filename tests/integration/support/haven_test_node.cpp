#include "haven_test_node.hpp"

#include <signal.h>
#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "common/module_log.hpp"
#include "process_scan.hpp"
#include "wait_until.hpp"

namespace haven::test {
namespace {

std::filesystem::path env_dir(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0')
    throw std::runtime_error(std::string(name) + " is not set: run this test through ctest, or set it to the build folder");
  return v;
}

std::filesystem::path make_root() {
  std::string tmpl = "/tmp/hvlc.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a folder under /tmp for a test node");
  std::filesystem::create_directories(std::filesystem::path(tmpl) / "work");
  return tmpl;
}

// The developer's own haven settings must not leak into the node under test.
Env test_environment(const Env& extra) {
  Env env{{"HAVEN_ROOT", std::nullopt}, {"SAFEMODULE", std::nullopt}, {"HAVEN_PLUGIN_PATH", std::nullopt}};
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

}  // namespace

std::filesystem::path build_dir() { return env_dir("HAVEN_BUILD_DIR"); }
std::filesystem::path source_dir() { return env_dir("HAVEN_SOURCE_DIR"); }
std::filesystem::path build_program(const std::string& name) { return build_dir() / "bin" / name; }

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

HavenTestNode::HavenTestNode() : HavenTestNode("node1", "") {}

HavenTestNode::HavenTestNode(const std::string& node, const std::string& cluster_xml)
    : HavenTestNode(node, cluster_xml, Env{}) {}

HavenTestNode::HavenTestNode(const std::string& node, const std::string& cluster_xml, Env node_env)
    : root_(make_root()), paths_(HavenPaths::under(root_)), node_env_(std::move(node_env)) {
  if (!cluster_xml.empty()) {
    std::filesystem::create_directories(paths_.conf_dir());
    std::ofstream(paths_.cluster_config()) << cluster_xml;
  }
  ChildSpec spec;
  spec.argv = {build_program("havend").string(), "--root", root_.string(), "--node", node};
  spec.env = test_environment(node_env_);
  spec.stdout_file = work_dir() / "havend.out";
  spec.stderr_file = work_dir() / "havend.err";
  havend_ = spawn_child(spec);
  bool up = havend_ > 0 && wait_until([&] {
              if (!std::filesystem::exists(paths_.daemon_socket())) return false;
              return haven({"state"}, {}, std::chrono::seconds(10)).exit_code == 0;
            }, std::chrono::seconds(15));
  if (!up) {
    std::string why = "havend did not come up under " + root_.string() + ":\n" + slurp(spec.stderr_file);
    stop_daemon();
    kill_leftovers();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
    throw std::runtime_error(why);
  }
}

HavenTestNode::~HavenTestNode() {
  stop_daemon();
  kill_leftovers();
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void HavenTestNode::stop_daemon() {
  if (havend_ <= 0) return;
  ::kill(havend_, SIGTERM);
  if (!wait_child(havend_, std::chrono::seconds(30))) {
    ::kill(-havend_, SIGKILL);
    wait_child(havend_, std::chrono::seconds(5));
  }
  havend_ = -1;
}

void HavenTestNode::kill_leftovers() const {
  // Agents run in sessions of their own and hooks' children may have left their group;
  // all of them carry the root in their command line or environment.
  for (int round = 0; round < 20; ++round) {
    auto pids = processes_mentioning(root_.string());
    if (pids.empty()) return;
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    wait_until([&] { return processes_mentioning(root_.string()).empty(); }, std::chrono::milliseconds(500));
  }
}

CommandResult HavenTestNode::run(const std::vector<std::string>& argv, const Env& env,
                                 std::chrono::milliseconds timeout) const {
  ChildSpec spec;
  spec.argv = argv;
  Env all = node_env_;
  for (const auto& [k, v] : env) all[k] = v;
  spec.env = test_environment(all);
  const std::string n = std::to_string(++command_count_);
  spec.stdout_file = work_dir() / ("cmd" + n + ".out");
  spec.stderr_file = work_dir() / ("cmd" + n + ".err");
  auto r = run_child(spec, timeout);
  std::error_code ec;
  std::filesystem::remove(spec.stdout_file, ec);
  std::filesystem::remove(spec.stderr_file, ec);
  return r;
}

CommandResult HavenTestNode::haven(const std::vector<std::string>& args, const Env& env,
                                   std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv{build_program("haven").string(), "--root", root_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env, timeout);
}

nlohmann::json HavenTestNode::haven_json(const std::vector<std::string>& args) const {
  std::vector<std::string> with_json{"--json"};
  with_json.insert(with_json.end(), args.begin(), args.end());
  auto r = haven(with_json);
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    throw std::runtime_error("haven --json" + cmd + " did not print JSON (" + e.what() + "): " + r.describe());
  }
}

nlohmann::json HavenTestNode::module_state(const std::string& module) const {
  auto j = haven_json({"state", "-m", module});
  if (!j.is_array() || j.empty()) throw std::runtime_error("haven state -m " + module + " --json gave " + j.dump());
  return j[0];
}

nlohmann::json HavenTestNode::wait_for_state(const std::string& module, const std::string& state,
                                             const std::string& substate, std::chrono::milliseconds timeout) const {
  nlohmann::json last;
  wait_until([&] {
    last = module_state(module);
    return last.value("state", "") == state && (substate.empty() || last.value("substate", "") == substate);
  }, timeout, std::chrono::milliseconds(100));
  return last;
}

std::filesystem::path HavenTestNode::module_log(const std::string& module) const {
  return module_log_files(paths_, module).module_log;
}

std::filesystem::path HavenTestNode::user_log(const std::string& module) const {
  return module_log_files(paths_, module).user_log;
}

std::filesystem::path HavenTestNode::record_file(const std::string& module) const {
  return paths_.module_var_dir(module) / "record";
}

}  // namespace haven::test
