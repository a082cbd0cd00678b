#include "database_pair.hpp"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/haven_paths.hpp"

namespace haven::netns_failover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// havend started through this script runs in a mount namespace of its own (private), where
// HAVEN_DB_NODE_DIR is bind-mounted at HAVEN_DB_SHARED: the agent's replication mount, the
// hooks and the server all see the node's own folder at the shared path. When every process of
// the node is killed, the namespace and its mounts go with them.
fs::path make_build_dir(const fs::path& dir, const fs::path& real_build) {
  const auto bin = dir / "build" / "bin";
  fs::create_directories(bin);
  std::ofstream(bin / "havend") << "#!/bin/sh\n"
                                   "exec unshare -m --propagation private /bin/sh -c '"
                                   "mount --bind \"$HAVEN_DB_NODE_DIR\" \"$HAVEN_DB_SHARED\" && exec \"$0\" \"$@\"' "
                                << (real_build / "bin" / "havend").string() << " \"$@\"\n";
  fs::permissions(bin / "havend", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  fs::create_symlink(real_build / "bin" / "haven", bin / "haven");
  return dir / "build";
}

Result<std::string> with_macro(std::string text, const std::string& module, const std::string& name,
                               const std::string& value) {
  const std::string head = "<macro name=\"" + name + "\" value=\"";
  const auto at = text.find(head);
  if (at == std::string::npos)
    return fail(Errc::not_found, module + ".safe's userconfig.xml has no macro " + name + ", which the test fills in");
  const auto end = text.find('"', at + head.size());
  text.replace(at + head.size(), end - at - head.size(), value);
  return text;
}

// The shipped module (modules/<module>), its placeholders filled in as an administrator would.
Result<PairModule> shipped_module(const DatabaseFlavour& flavour, const fs::path& source, const fs::path& shared) {
  const std::string& module = flavour.facts().module;
  const auto dir = source / "modules" / module;
  auto macros = flavour.macros(shared);
  if (!macros) return std::move(macros).error();
  (*macros)["VIRTUAL_IP"] = kDatabaseVip;
  Result<std::string> userconfig = slurp(dir / "conf" / "userconfig.xml");
  for (const auto& [name, value] : *macros) {
    userconfig = with_macro(*userconfig, module, name, value);
    if (!userconfig) return std::move(userconfig).error();
  }
  std::map<std::string, std::string> bin;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "bin", ec)) bin[entry.path().filename().string()] = slurp(entry.path());
  if (ec) return fail(Errc::not_found, "cannot list the hooks of the shipped module in " + (dir / "bin").string() + ": " + ec.message());
  return PairModule{module, {*userconfig, bin}};
}

}  // namespace

std::string database_pair_unavailable(const DatabaseFlavour& flavour) {
  if (auto st = cluster::netns_available(); !st) return "this needs root and network namespaces: " + st.error().message;
  if (::access("/dev/fuse", R_OK | W_OK) != 0) return "no /dev/fuse here";
  return flavour.unavailable();
}

Result<std::unique_ptr<DatabasePair>> DatabasePair::create(const DatabaseFlavour& flavour, const fs::path& build,
                                                           const fs::path& source, const std::string& name) {
  std::string tmpl = "/tmp/hv" + flavour.facts().tag + "ns.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::io_error, "cannot make a scratch folder " + tmpl);
  std::unique_ptr<DatabasePair> made(new DatabasePair(flavour, tmpl));
  const fs::path& dir = made->dir_;
  ::chmod(dir.c_str(), 0755);  // the database's system user walks through it

  std::error_code ec;
  fs::create_directories(made->shared(), ec);
  for (int n = 1; n <= 2; ++n) {
    fs::create_directories(made->node_dir(n), ec);
    ::chmod(made->node_dir(n).c_str(), 0755);
  }
  if (ec) return fail(Errc::io_error, "cannot make the folders under " + dir.string() + ": " + ec.message());
  if (auto st = flavour.make_initial_data(made->node_dir(1) / "data"); !st) return std::move(st).error();
  if (auto st = flavour.make_empty_data(made->node_dir(2) / "data"); !st) return std::move(st).error();

  PairSpec spec;
  spec.name = name;
  spec.lans = 1;
  spec.build_dir = make_build_dir(dir, build);
  spec.module.vip = kDatabaseVip;
  auto module = shipped_module(flavour, source, made->shared());
  if (!module) return std::move(module).error();
  spec.custom_module = std::move(module).value();
  for (int n = 1; n <= 2; ++n)
    spec.node_env[static_cast<std::size_t>(n - 1)] = {{"HAVEN_DB_NODE_DIR", made->node_dir(n).string()},
                                                      {"HAVEN_DB_SHARED", made->shared().string()}};
  auto pair = FailoverPair::create(spec);
  if (!pair) return std::move(pair).error();
  made->pair_ = std::move(pair).value();
  if (made->pair_->vip() != kDatabaseVip)
    return fail(Errc::internal, "the pair's VIP is " + made->pair_->vip() + ", expected " + kDatabaseVip);
  if (auto up = made->pair_->pair_up(180s); !up) return std::move(up).error();
  return made;
}

DatabasePair::~DatabasePair() {
  pair_.reset();  // every process of the nodes, and with them their mount namespaces
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

fs::path DatabasePair::server_log(int n) const {
  return HavenPaths::under(pair_->root(n)).module_var_dir(flavour_.facts().module) / flavour_.facts().server_log;
}

Result<std::vector<std::string>> DatabasePair::query_through_vip(const std::string& sql) const {
  Result<std::vector<std::string>> result = fail(Errc::internal, "not run");
  in_netns(client_netns(), [&] {
    auto client = flavour_.connect(kDatabaseVip);
    if (!client) {
      result = std::move(client).error();
      return;
    }
    result = (*client)->execute(sql);
  });
  return result;
}

void in_netns(const std::string& netns, const std::function<void()>& work) {
  std::string error;
  std::thread thread([&] {
    const int fd = ::open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      if (fd >= 0) ::close(fd);
      error = "cannot enter network namespace " + netns;
      return;
    }
    ::close(fd);
    try {
      work();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  thread.join();
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace haven::netns_failover
