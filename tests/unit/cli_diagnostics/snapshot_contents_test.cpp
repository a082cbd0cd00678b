// The list of files a support snapshot takes: logs with their rotated files, the module's
// configuration, cluster.xml, havend.log, the last dumps — and never a key.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/log_rotation.hpp"
#include "common/module_log.hpp"
#include "snapshot_contents.hpp"
#include "temp_folder.hpp"

using namespace haven;
using namespace haven::cli;
using haven::test::TempFolder;

namespace {

void write(const std::filesystem::path& file, const std::string& content) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << content;
}

std::set<std::string> names_of(const SnapshotFiles& files) {
  std::set<std::string> names;
  for (const auto& e : files.entries) names.insert(e.name);
  return names;
}

// A node root with one module "web" holding a bit of everything.
struct NodeWithModule {
  TempFolder dir;
  HavenPaths paths = HavenPaths::under(dir.path());
  NodeWithModule() {
    write(paths.cluster_config(), "<cluster/>\n");
    write(paths.cluster_key(), "secret key\n");
    write(paths.module_registry(), "{}\n");
    write(paths.daemon_log(), "daemon\n");
    write(rotated_file_name(paths.daemon_log(), 1), "older daemon\n");
    const auto logs = module_log_files(paths, "web");
    write(logs.module_log, "m\n");
    write(rotated_file_name(logs.module_log, 1), "m1\n");
    write(rotated_file_name(logs.module_log, 2), "m2\n");
    write(logs.verbose_log, "v\n");
    write(logs.user_log, "u\n");
    write(rotated_file_name(logs.user_log, 1), "u1\n");
    write(logs.module_log.parent_path() / "agent.out", "out\n");
    write(paths.module_dir("web") / "conf" / "userconfig.xml", "<safe/>\n");
    write(paths.module_dir("web") / "conf" / "module.key", "module secret\n");
    write(paths.module_dir("web") / "conf" / "tls" / "server.PEM", "pem secret\n");
    write(paths.module_dir("web") / "bin" / "start_prim", "#!/bin/sh\n");
    write(paths.module_dir("web") / "bin" / "big-program", std::string(kMaxModuleFileBytes + 1, 'x'));
    write(paths.knowledge_file("web"), "{}\n");
    std::filesystem::create_symlink(paths.cluster_key(), paths.module_dir("web") / "conf" / "link-to-key");
    for (const std::string when : {"20260101_100000", "20260102_100000", "20260103_100000", "20260104_100000"})
      write(module_dump_root(paths, "web") / ("dump_" + when) / "state.json", "[]\n");
    write(module_dump_root(paths, "web") / "dump_20260105_100000.tmp" / "state.json", "[]\n");
  }
};

}  // namespace

TEST_CASE("a snapshot takes the module's logs with their rotated files, its configuration and the node's files",
          "[snapshot]") {
  NodeWithModule node;
  const auto files = snapshot_files(node.paths, {"web"});
  const auto names = names_of(files);
  for (const std::string expected :
       {"node/cluster.xml", "node/modules.json", "node/havend.log", "node/havend.log.1", "modules/web/log/module.log",
        "modules/web/log/module.log.1", "modules/web/log/module.log.2", "modules/web/log/verbose.log",
        "modules/web/log/userlog.ulog", "modules/web/log/userlog.ulog.1", "modules/web/log/agent.out",
        "modules/web/module/conf/userconfig.xml", "modules/web/module/bin/start_prim", "modules/web/knowledge.json"}) {
    INFO(expected);
    CHECK(names.count(expected) == 1);
  }
}

TEST_CASE("a snapshot never takes the cluster key nor a key-like file, even through a link", "[snapshot]") {
  NodeWithModule node;
  const auto files = snapshot_files(node.paths, {"web"});
  for (const auto& e : files.entries) {
    INFO(e.name << " from " << e.source);
    CHECK_FALSE(std::filesystem::equivalent(e.source, node.paths.cluster_key()));
    CHECK(e.name.find("key") == std::string::npos);
    CHECK(e.name.find("PEM") == std::string::npos);
  }
  const auto skipped_because = [&](const std::string& file_name) {
    return std::count_if(files.skipped.begin(), files.skipped.end(),
                         [&](const SnapshotSkip& s) { return s.file.filename() == file_name; });
  };
  CHECK(skipped_because("cluster.key") == 1);
  CHECK(skipped_because("module.key") == 1);
  CHECK(skipped_because("server.PEM") == 1);
  CHECK(skipped_because("link-to-key") == 1);
  CHECK(skipped_because("big-program") == 1);
}

TEST_CASE("a snapshot takes the last three dumps of a module, not unfinished ones", "[snapshot]") {
  NodeWithModule node;
  const auto names = names_of(snapshot_files(node.paths, {"web"}));
  CHECK(names.count("modules/web/dumps/dump_20260101_100000/state.json") == 0);
  CHECK(names.count("modules/web/dumps/dump_20260102_100000/state.json") == 1);
  CHECK(names.count("modules/web/dumps/dump_20260103_100000/state.json") == 1);
  CHECK(names.count("modules/web/dumps/dump_20260104_100000/state.json") == 1);
  for (const auto& n : names) CHECK(n.find(".tmp") == std::string::npos);
  REQUIRE(module_dumps(node.paths, "web").size() == 4);
  CHECK(module_dumps(node.paths, "web").back().filename() == "dump_20260104_100000");
}

TEST_CASE("a snapshot of a module takes nothing of another module", "[snapshot]") {
  NodeWithModule node;
  write(module_log_files(node.paths, "db").module_log, "db\n");
  const auto names = names_of(snapshot_files(node.paths, {"web"}));
  for (const auto& n : names) CHECK(n.find("modules/db") == std::string::npos);
  const auto both = names_of(snapshot_files(node.paths, {"web", "db"}));
  CHECK(both.count("modules/db/log/module.log") == 1);
}

TEST_CASE("a node with nothing yet gives an empty list, not an error", "[snapshot]") {
  TempFolder dir;
  const auto files = snapshot_files(HavenPaths::under(dir.path()), {"web"});
  CHECK(files.entries.empty());
  CHECK(files.skipped.empty());
}
