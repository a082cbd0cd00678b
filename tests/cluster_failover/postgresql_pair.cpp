#include "postgresql_pair.hpp"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/haven_paths.hpp"
#include "postgresql_settings.hpp"
#include "common/process_runner.hpp"
#include "system_user.hpp"

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
// HAVEN_PG_NODE_DIR is bind-mounted at HAVEN_PG_SHARED: the agent's replication mount, the
// hooks and PostgreSQL all see the node's own folder at the shared path. When every process of
// the node is killed, the namespace and its mounts go with them.
fs::path make_build_dir(const fs::path& dir, const fs::path& real_build) {
  const auto bin = dir / "build" / "bin";
  fs::create_directories(bin);
  std::ofstream(bin / "havend") << "#!/bin/sh\n"
                                   "exec unshare -m --propagation private /bin/sh -c '"
                                   "mount --bind \"$HAVEN_PG_NODE_DIR\" \"$HAVEN_PG_SHARED\" && exec \"$0\" \"$@\"' "
                                << (real_build / "bin" / "havend").string() << " \"$@\"\n";
  fs::permissions(bin / "havend", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  fs::create_symlink(real_build / "bin" / "haven", bin / "haven");
  return dir / "build";
}

std::string with_macro(std::string text, const std::string& name, const std::string& value) {
  const std::string head = "<macro name=\"" + name + "\" value=\"";
  const auto at = text.find(head);
  if (at == std::string::npos) throw std::runtime_error("postgresql.safe's userconfig.xml has no macro " + name);
  const auto end = text.find('"', at + head.size());
  text.replace(at + head.size(), end - at - head.size(), value);
  return text;
}

// The shipped module (modules/postgresql), its placeholders filled in as an administrator would.
PairModule shipped_module(const fs::path& source, const fs::path& shared, const std::string& version) {
  const auto dir = source / "modules" / "postgresql";
  std::string userconfig = slurp(dir / "conf" / "userconfig.xml");
  userconfig = with_macro(userconfig, "VIRTUAL_IP", kPostgresVip);
  userconfig = with_macro(userconfig, "PG_VERSION", version);
  userconfig = with_macro(userconfig, "PG_DATA", (shared / "data").string());
  userconfig = with_macro(userconfig, "PG_SOCKET_DIR", (shared / "run").string());
  std::map<std::string, std::string> bin;
  for (const auto& entry : fs::directory_iterator(dir / "bin")) bin[entry.path().filename().string()] = slurp(entry.path());
  return PairModule{"postgresql", {userconfig, bin}};
}

}  // namespace

std::string postgres_pair_unavailable() {
  if (auto st = cluster::netns_available(); !st) return "this needs root and network namespaces: " + st.error().message;
  if (::access("/dev/fuse", R_OK | W_OK) != 0) return "no /dev/fuse here";
  if (!postgresql::find_user("postgres") || postgresql::installed_versions().empty())
    return "Debian's postgresql is not installed (apt-get install postgresql)";
  return {};
}

Result<std::unique_ptr<PostgresPair>> PostgresPair::create(const fs::path& build, const fs::path& source,
                                                           const std::string& name) {
  std::string tmpl = "/tmp/hvpgns.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::io_error, "cannot make a scratch folder under /tmp");
  std::unique_ptr<PostgresPair> made(new PostgresPair(tmpl));
  const fs::path& dir = made->dir_;
  ::chmod(dir.c_str(), 0755);  // the postgres user walks through it
  auto postgres = postgresql::find_user("postgres");
  if (!postgres) return std::move(postgres).error();
  const auto versions = postgresql::installed_versions();
  if (versions.empty()) return fail(Errc::not_found, "no PostgreSQL under /usr/lib/postgresql");
  const std::string version = versions.front();

  std::error_code ec;
  fs::create_directories(made->shared(), ec);
  for (int n = 1; n <= 2; ++n) {
    fs::create_directories(made->node_dir(n), ec);
    ::chmod(made->node_dir(n).c_str(), 0755);
  }
  if (ec) return fail(Errc::io_error, "cannot make the folders under " + dir.string() + ": " + ec.message());
  // node1's folder holds a new cluster, whose clients on lan1 log in without a password;
  // node2's data folder is empty until the first reintegration fills it.
  const auto data1 = made->node_dir(1) / "data";
  if (::chown(made->node_dir(1).c_str(), postgres->uid, postgres->gid) != 0)
    return fail(Errc::io_error, "cannot give " + made->node_dir(1).string() + " to postgres");
  auto initdb = run_process(process_request({"/usr/lib/postgresql/" + version + "/bin/initdb", "-D", data1.string(),
                                                "--auth=trust", "-U", "postgres", "-E", "UTF8"},
                                               postgres->name, 120s));
  if (!initdb) return std::move(initdb).error();
  if (initdb->exit_code != 0) return fail(Errc::internal, "initdb of " + data1.string() + " failed: " + initdb->output);
  std::ofstream(data1 / "pg_hba.conf", std::ios::app) << "host all all 198.51.100.0/24 trust\n";
  const auto data2 = made->node_dir(2) / "data";
  fs::create_directories(data2, ec);
  if (::chown(data2.c_str(), postgres->uid, postgres->gid) != 0 || ::chmod(data2.c_str(), 0700) != 0)
    return fail(Errc::io_error, "cannot give " + data2.string() + " to postgres, mode 0700");

  PairSpec spec;
  spec.name = name;
  spec.lans = 1;
  spec.build_dir = make_build_dir(dir, build);
  spec.module.vip = kPostgresVip;
  try {
    spec.custom_module = shipped_module(source, made->shared(), version);
  } catch (const std::exception& e) {
    return fail(Errc::not_found, e.what());
  }
  for (int n = 1; n <= 2; ++n)
    spec.node_env[static_cast<std::size_t>(n - 1)] = {{"HAVEN_PG_NODE_DIR", made->node_dir(n).string()},
                                                      {"HAVEN_PG_SHARED", made->shared().string()}};
  auto pair = FailoverPair::create(spec);
  if (!pair) return std::move(pair).error();
  made->pair_ = std::move(pair).value();
  if (made->pair_->vip() != kPostgresVip)
    return fail(Errc::internal, "the pair's VIP is " + made->pair_->vip() + ", expected " + kPostgresVip);
  if (auto up = made->pair_->pair_up(120s); !up) return std::move(up).error();
  return made;
}

PostgresPair::~PostgresPair() {
  pair_.reset();  // every process of the nodes, and with them their mount namespaces
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

fs::path PostgresPair::server_log(int n) const {
  return HavenPaths::under(pair_->root(n)).module_var_dir("postgresql") / "postgresql.log";
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

std::string postgres_conninfo(const std::string& host) {
  return "host=" + host + " port=5432 user=postgres dbname=postgres connect_timeout=2 keepalives=1 "
         "keepalives_idle=1 keepalives_interval=1 keepalives_count=2 tcp_user_timeout=4000 application_name=hvpgtest "
         "options='-c statement_timeout=30000'";
}

Result<std::vector<std::string>> postgres_query(const std::string& netns, const std::string& sql) {
  Result<std::vector<std::string>> result = fail(Errc::internal, "not run");
  in_netns(netns, [&] {
    PGconn* conn = PQconnectdb(postgres_conninfo(kPostgresVip).c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      result = fail(Errc::io_error, std::string("connect to ") + kPostgresVip + ": " + PQerrorMessage(conn));
      PQfinish(conn);
      return;
    }
    PGresult* r = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      result = fail(Errc::io_error, sql + ": " + PQresultErrorMessage(r));
    } else {
      std::vector<std::string> rows;
      for (int i = 0; i < PQntuples(r); ++i) rows.emplace_back(PQgetvalue(r, i, 0));
      result = rows;
    }
    PQclear(r);
    PQfinish(conn);
  });
  return result;
}

}  // namespace haven::netns_failover
