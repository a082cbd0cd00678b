// haven-netns: build, inspect, break and remove namespace clusters by hand, for the demo, the
// bench and people debugging a cluster test. Each cluster is recorded in /run/haven-netns so
// that every command, from any process, finds it again; `down` is safe to run twice.
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cluster_store.hpp"
#include "namespace_cleanup.hpp"
#include "netns_cluster.hpp"

namespace haven::cluster {
namespace {

int report(const Error& error) {
  std::cerr << "haven-netns: " << error.message << "\n";
  return 1;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, sep))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

bool present(const Layout& layout) { return namespace_exists(layout.switch_netns); }

void print_layout(const Layout& layout, bool complete) {
  std::cout << fmt::format("{}  (owner pid {}, {}{})\n", layout.name, layout.owner,
                           complete ? "complete" : "incomplete", present(layout) ? "" : ", namespaces missing");
  std::cout << fmt::format("  {:<9} {}\n", "switch", layout.switch_netns);
  for (const auto& lan : layout.lans)
    std::cout << fmt::format("  {:<9} {} {} {}\n", fmt::format("lan{}", lan.index), lan.bridge, lan.ipv4_subnet,
                             lan.ipv6_subnet);
  for (const auto& host : layout.hosts) {
    std::cout << fmt::format("  {:<9} {}\n", host.name, host.netns);
    for (const auto& l : host.links)
      std::cout << fmt::format("  {:<9}   {} {}/{} {}/{}  (switch port {})\n", "", l.interface, l.ipv4, l.ipv4_prefix,
                               l.ipv6, l.ipv6_prefix, l.switch_port);
  }
}

Result<StoredCluster> load(const std::string& name) {
  auto stored = load_cluster(name);
  if (!stored) return stored;
  if (!present(stored->layout))
    return fail(Errc::not_found, fmt::format("cluster '{}' is recorded in {} but its namespaces are gone; "
                                             "run `haven-netns down --name {}` to forget it",
                                             name, stored->file.string(), name));
  return stored;
}

int cmd_up(const std::string& name, const Spec& given, bool json) {
  Spec spec = given;
  spec.name = name;
  if (auto stored = load_cluster(name); stored) {
    if (present(stored->layout))
      return report(fail(Errc::already_exists, fmt::format("cluster '{}' is already up (owner pid {}); "
                                                           "`haven-netns down --name {}` first",
                                                           name, stored->layout.owner, name)));
  }
  auto layout = plan_layout(spec, ::getpid());
  if (!layout) return report(layout.error());
  // Recorded (incomplete) before it is built: a kill half-way leaves a record the stale sweep clears.
  if (auto s = save_cluster(*layout, false); !s) return report(s.error());
  auto cluster = NetnsCluster::create(spec);
  if (!cluster) {
    (void)forget_cluster(name);
    return report(cluster.error());
  }
  if (auto s = save_cluster(cluster->layout(), true); !s) return report(s.error());  // the destructor removes it
  cluster->release();
  if (json) std::cout << to_json(cluster->layout()).dump(2) << "\n";
  else print_layout(cluster->layout(), true);
  return 0;
}

int cmd_down(const std::string& name) {
  auto stored = load_cluster(name);
  if (!stored && stored.error().code != Errc::not_found) return report(stored.error());
  if (stored) {
    auto cluster = NetnsCluster::attach(stored->layout);
    if (auto s = cluster.destroy(); !s) return report(s.error());
    if (auto s = forget_cluster(name); !s) return report(s.error());
    std::cout << fmt::format("cluster '{}' removed\n", name);
  } else {
    std::cout << fmt::format("no cluster called '{}': nothing to remove\n", name);
  }
  if (auto stale = NetnsCluster::remove_stale(); !stale) return report(stale.error());
  return 0;
}

int cmd_exec(const std::string& name, const std::string& host, const std::vector<std::string>& command) {
  auto stored = load(name);
  if (!stored) return report(stored.error());
  const Host* h = stored->layout.find(host);
  if (!h) return report(fail(Errc::not_found, fmt::format("cluster '{}' has no host called '{}'", name, host)));
  if (command.empty()) return report(fail(Errc::invalid_argument, "exec: no command given after --"));
  std::vector<std::string> argv = in_netns(h->netns, command);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  ::execv(cargv[0], cargv.data());
  return report(fail(Errc::io_error, fmt::format("cannot execute {}: {}", argv[0], std::strerror(errno))));
}

int list(const std::string& name, bool json) {
  nlohmann::json clusters = nlohmann::json::array();
  std::set<std::string> recorded;
  bool any = false;
  for (const auto& stored : load_all_clusters()) {
    for (const auto& ns : stored.layout.namespaces()) recorded.insert(ns);
    if (!name.empty() && stored.layout.name != name) continue;
    any = true;
    if (json) {
      clusters.push_back(
          {{"layout", to_json(stored.layout)}, {"complete", stored.complete}, {"present", present(stored.layout)}});
    } else {
      print_layout(stored.layout, stored.complete);
    }
  }
  // Namespaces held by running test processes, or left by dead ones (`cleanup` removes those).
  nlohmann::json others = nlohmann::json::array();
  for (const auto& ns : list_namespaces()) {
    const pid_t owner = namespace_owner(ns);
    if (owner == 0 || recorded.count(ns)) continue;
    others.push_back({{"netns", ns}, {"owner", owner}, {"owner_alive", process_alive(owner)}});
  }
  if (json) {
    std::cout << nlohmann::json{{"clusters", clusters}, {"other_namespaces", others}}.dump(2) << "\n";
    return 0;
  }
  if (!any) std::cout << "no cluster recorded in " << state_dir().string() << "\n";
  if (!others.empty()) {
    std::cout << "namespaces of test processes (not recorded):\n";
    for (const auto& o : others)
      std::cout << fmt::format("  {}  owner pid {} {}\n", o["netns"].get<std::string>(), o["owner"].get<int>(),
                               o["owner_alive"].get<bool>() ? "running" : "dead: `haven-netns cleanup` removes it");
  }
  return 0;
}

template <typename Action>
int with_cluster(const std::string& name, Action action) {
  auto stored = load(name);
  if (!stored) return report(stored.error());
  auto cluster = NetnsCluster::attach(stored->layout);
  if (auto s = action(cluster); !s) return report(s.error());
  return 0;
}

}  // namespace
}  // namespace haven::cluster

int main(int argc, char** argv) {
  using namespace haven::cluster;
  // Everything after `--` is the command for exec, taken before CLI11 sees it: its words may
  // look like our options, and CLI11 would not hand them all to one positional.
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--") {
      command.assign(argv + i + 1, argv + argc);
      argc = i;
      break;
    }
  CLI::App app{"haven-netns: clusters of hosts made of network namespaces (see docs/testing-cluster.md)"};
  app.require_subcommand(1);
  std::string name;
  bool json = false;
  auto add_name = [&](CLI::App* sub, bool required = true) {
    auto* opt = sub->add_option("--name,-n", name, "cluster name ([a-z0-9-], up to 16)");
    if (required) opt->required();
  };
  int rc = 0;

  Spec spec;
  auto* up = app.add_subcommand("up", "build a cluster and leave it running");
  add_name(up);
  up->add_option("--nodes", spec.nodes, "node hosts node1..N")->capture_default_str();
  up->add_option("--clients", spec.clients, "client hosts client1..M")->capture_default_str();
  up->add_option("--lans", spec.lans, "1 or 2 lans (bridges)")->capture_default_str();
  up->add_flag("--json", json, "print the layout as JSON");
  up->callback([&] { rc = cmd_up(name, spec, json); });

  auto* down = app.add_subcommand("down", "remove a cluster (and any stale one); fine if it is already gone");
  add_name(down);
  down->callback([&] { rc = cmd_down(name); });

  std::string host;
  std::vector<std::string> words;
  auto* exec = app.add_subcommand("exec", "run a command on a host: exec --name demo node1 -- ip a "
                                          "(or exec demo node1 -- ip a)");
  add_name(exec, false);
  exec->add_option("where", words, "[CLUSTER] HOST, then -- and the command")->required()->expected(1, 2);
  exec->callback([&] {
    // `exec demo node1 -- ...` or `exec --name demo node1 -- ...`.
    if (words.size() == 2 && name.empty()) rc = cmd_exec(words[0], words[1], command);
    else if (words.size() == 1 && !name.empty()) rc = cmd_exec(name, words[0], command);
    else rc = report(fail(haven::Errc::invalid_argument, "exec: expected --name CLUSTER HOST -- COMMAND... "
                                                         "or CLUSTER HOST -- COMMAND..."));
  });

  int lan = 0;
  for (const bool up_again : {false, true}) {
    auto* sub = app.add_subcommand(up_again ? "restore" : "cut",
                                   up_again ? "plug a host's cable back" : "pull a host's cable (its carrier goes down)");
    add_name(sub);
    sub->add_option("host", host, "node1.., client1..")->required();
    sub->add_option("--lan", lan, "1, 2, or 0 for every lan")->capture_default_str();
    sub->callback([&, up_again] {
      rc = with_cluster(name, [&](NetnsCluster& c) { return up_again ? c.restore_link(host, lan) : c.cut_link(host, lan); });
    });
  }

  std::vector<std::string> groups;
  auto* partition = app.add_subcommand("partition", "split the hosts into groups: partition --name demo node1,client1 node2");
  add_name(partition);
  partition->add_option("groups", groups, "comma-separated hosts; a host named nowhere is alone")->required();
  partition->callback([&] {
    std::vector<std::vector<std::string>> parsed;
    for (const auto& g : groups) parsed.push_back(split(g, ','));
    rc = with_cluster(name, [&](NetnsCluster& c) { return c.partition(parsed); });
  });

  auto* heal = app.add_subcommand("heal", "undo the partition");
  add_name(heal);
  heal->callback([&] { rc = with_cluster(name, [](NetnsCluster& c) { return c.heal(); }); });

  auto* ls = app.add_subcommand("list", "show the recorded clusters, their hosts and addresses");
  add_name(ls, false);
  ls->add_flag("--json", json, "as JSON");
  ls->callback([&] { rc = list(name, json); });

  auto* cleanup = app.add_subcommand("cleanup", "remove namespaces left by dead test processes");
  cleanup->callback([&] {
    auto removed = NetnsCluster::remove_stale();
    if (!removed) rc = report(removed.error());
    else std::cout << *removed << " stale namespace(s) removed\n";
  });

  CLI11_PARSE(app, argc, argv);
  return rc;
}
