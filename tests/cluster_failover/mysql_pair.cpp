#include "mysql_pair.hpp"

#include <fcntl.h>
#include <mysql.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/haven_paths.hpp"
#include "mysql_settings.hpp"
#include "server_launch.hpp"

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
// HAVEN_MYSQL_NODE_DIR is bind-mounted at HAVEN_MYSQL_SHARED: the agent's replication mount,
// the hooks and MariaDB all see the node's own folder at the shared path. When every process
// of the node is killed, the namespace and its mounts go with them.
fs::path make_build_dir(const fs::path& dir, const fs::path& real_build) {
  const auto bin = dir / "build" / "bin";
  fs::create_directories(bin);
  std::ofstream(bin / "havend") << "#!/bin/sh\n"
                                   "exec unshare -m --propagation private /bin/sh -c '"
                                   "mount --bind \"$HAVEN_MYSQL_NODE_DIR\" \"$HAVEN_MYSQL_SHARED\" && exec \"$0\" \"$@\"' "
                                << (real_build / "bin" / "havend").string() << " \"$@\"\n";
  fs::permissions(bin / "havend", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  fs::create_symlink(real_build / "bin" / "haven", bin / "haven");
  return dir / "build";
}

std::string with_macro(std::string text, const std::string& name, const std::string& value) {
  const std::string head = "<macro name=\"" + name + "\" value=\"";
  const auto at = text.find(head);
  if (at == std::string::npos) throw std::runtime_error("mysql.safe's userconfig.xml has no macro " + name);
  const auto end = text.find('"', at + head.size());
  text.replace(at + head.size(), end - at - head.size(), value);
  return text;
}

// The shipped module (modules/mysql), its placeholders filled in as an administrator would.
PairModule shipped_module(const fs::path& source, const fs::path& shared) {
  const auto dir = source / "modules" / "mysql";
  std::string userconfig = slurp(dir / "conf" / "userconfig.xml");
  userconfig = with_macro(userconfig, "VIRTUAL_IP", kMysqlVip);
  userconfig = with_macro(userconfig, "MYSQL_DATA", (shared / "data").string());
  userconfig = with_macro(userconfig, "MYSQL_RUN_DIR", (shared / "run").string());
  std::map<std::string, std::string> bin;
  for (const auto& entry : fs::directory_iterator(dir / "bin")) bin[entry.path().filename().string()] = slurp(entry.path());
  return PairModule{"mysql", {userconfig, bin}};
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// mariadb-install-db, then the client account and database through the server's bootstrap
// mode (one statement a line; FLUSH PRIVILEGES loads the grant tables it starts without).
Status make_datadir(const fs::path& data) {
  std::string output;
  auto ran = mysql::run_and_wait({"/usr/bin/mariadb-install-db", "--no-defaults", "--user=mysql",
                                  "--datadir=" + data.string(), "--auth-root-authentication-method=socket",
                                  "--skip-test-db", "--skip-name-resolve"},
                                 180s, output);
  if (!ran || *ran != 0)
    return fail(Errc::internal, "mariadb-install-db of " + data.string() + " failed: " +
                                    (ran ? "exit code " + std::to_string(*ran) + ": " + output : ran.error().message));
  const auto sql = data.parent_path() / "bootstrap.sql";
  std::ofstream(sql) << "FLUSH PRIVILEGES;\n"
                     << "CREATE USER '" << kMysqlClientUser << "'@'%';\n"
                     << "GRANT ALL ON *.* TO '" << kMysqlClientUser << "'@'%';\n"
                     << "CREATE DATABASE " << kMysqlDatabase << ";\n";
  auto server = mysql::choose_server(mysql::server_candidates(), file_exists);
  if (!server) return std::move(server).error();
  output.clear();
  auto boot = mysql::run_and_wait({"/bin/sh", "-c",
                                   "exec \"$0\" --no-defaults --bootstrap --user=mysql --datadir=\"$1\" "
                                   "--skip-networking --log-warnings=0 < \"$2\"",
                                   server->string(), data.string(), sql.string()},
                                  180s, output);
  std::error_code ec;
  fs::remove(sql, ec);
  if (!boot || *boot != 0)
    return fail(Errc::internal, "mariadbd --bootstrap on " + data.string() + " failed: " +
                                    (boot ? "exit code " + std::to_string(*boot) + ": " + output : boot.error().message));
  return ok_status();
}

}  // namespace

std::string mysql_pair_unavailable() {
  if (auto st = cluster::netns_available(); !st) return "this needs root and network namespaces: " + st.error().message;
  if (::access("/dev/fuse", R_OK | W_OK) != 0) return "no /dev/fuse here";
  if (!mysql::find_user("mysql") || ::access("/usr/bin/mariadb-install-db", X_OK) != 0 ||
      !mysql::choose_server(mysql::server_candidates(), file_exists))
    return "Debian's mariadb-server is not installed (apt-get install mariadb-server)";
  return {};
}

Result<std::unique_ptr<MysqlPair>> MysqlPair::create(const fs::path& build, const fs::path& source,
                                                     const std::string& name) {
  std::string tmpl = "/tmp/hvmyns.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return fail(Errc::io_error, "cannot make a scratch folder under /tmp");
  std::unique_ptr<MysqlPair> made(new MysqlPair(tmpl));
  const fs::path& dir = made->dir_;
  ::chmod(dir.c_str(), 0755);  // the mysql user walks through it
  auto mysql_user = mysql::find_user("mysql");
  if (!mysql_user) return std::move(mysql_user).error();

  std::error_code ec;
  fs::create_directories(made->shared(), ec);
  for (int n = 1; n <= 2; ++n) {
    fs::create_directories(made->node_dir(n), ec);
    ::chmod(made->node_dir(n).c_str(), 0755);
  }
  if (ec) return fail(Errc::io_error, "cannot make the folders under " + dir.string() + ": " + ec.message());
  // node1's folder holds a new datadir; node2's is empty until the first reintegration fills it.
  if (auto st = make_datadir(made->node_dir(1) / "data"); !st) return std::move(st).error();
  const auto data2 = made->node_dir(2) / "data";
  fs::create_directories(data2, ec);
  if (::chown(data2.c_str(), mysql_user->uid, mysql_user->gid) != 0 || ::chmod(data2.c_str(), 0750) != 0)
    return fail(Errc::io_error, "cannot give " + data2.string() + " to mysql, mode 0750");

  PairSpec spec;
  spec.name = name;
  spec.lans = 1;
  spec.build_dir = make_build_dir(dir, build);
  spec.module.vip = kMysqlVip;
  try {
    spec.custom_module = shipped_module(source, made->shared());
  } catch (const std::exception& e) {
    return fail(Errc::not_found, e.what());
  }
  for (int n = 1; n <= 2; ++n)
    spec.node_env[static_cast<std::size_t>(n - 1)] = {{"HAVEN_MYSQL_NODE_DIR", made->node_dir(n).string()},
                                                      {"HAVEN_MYSQL_SHARED", made->shared().string()}};
  auto pair = FailoverPair::create(spec);
  if (!pair) return std::move(pair).error();
  made->pair_ = std::move(pair).value();
  if (made->pair_->vip() != kMysqlVip)
    return fail(Errc::internal, "the pair's VIP is " + made->pair_->vip() + ", expected " + kMysqlVip);
  if (auto up = made->pair_->pair_up(180s); !up) return std::move(up).error();
  return made;
}

MysqlPair::~MysqlPair() {
  pair_.reset();  // every process of the nodes, and with them their mount namespaces
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

fs::path MysqlPair::server_log(int n) const {
  return HavenPaths::under(pair_->root(n)).module_var_dir("mysql") / "mysql.err";
}

void MysqlPair::in_netns(const std::string& netns, const std::function<void()>& work) {
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

Result<std::vector<std::string>> mysql_vip_query(const std::string& netns, const std::string& sql) {
  Result<std::vector<std::string>> result = fail(Errc::internal, "not run");
  MysqlPair::in_netns(netns, [&] {
    MYSQL* conn = mysql_init(nullptr);
    const unsigned connect_timeout = 2, io_timeout = 10;
    mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_optionsv(conn, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_optionsv(conn, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    if (mysql_real_connect(conn, kMysqlVip, kMysqlClientUser, nullptr, kMysqlDatabase, 3306, nullptr, 0) == nullptr) {
      result = fail(Errc::io_error, std::string("connect to ") + kMysqlVip + ": " + mysql_error(conn));
      mysql_close(conn);
      return;
    }
    if (mysql_query(conn, sql.c_str()) != 0) {
      result = fail(Errc::io_error, sql + ": " + mysql_error(conn));
    } else {
      std::vector<std::string> rows;
      if (MYSQL_RES* r = mysql_store_result(conn)) {
        while (MYSQL_ROW row = mysql_fetch_row(r)) rows.emplace_back(row[0] ? row[0] : "");
        mysql_free_result(r);
      }
      result = rows;
    }
    mysql_close(conn);
  });
  return result;
}

}  // namespace haven::netns_failover
