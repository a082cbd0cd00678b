#include "mysql_test_server.hpp"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/process_runner.hpp"
#include "mysql_settings.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "server_identity.hpp"
#include "server_launch.hpp"

namespace haven::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string mysql_unavailable() {
  if (::geteuid() != 0) return "not root (MariaDB runs as the mysql user, started by root)";
  if (!mysql::find_user("mysql")) return "no mysql user (apt-get install mariadb-server)";
  if (::access("/usr/bin/mariadb-install-db", X_OK) != 0) return "no /usr/bin/mariadb-install-db (apt-get install mariadb-server)";
  std::error_code ec;
  bool any = false;
  for (const auto& c : mysql::server_candidates()) any = any || fs::exists(c, ec);
  if (!any) return "no mariadbd or mysqld (apt-get install mariadb-server)";
  return {};
}

int free_mysql_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a socket on 127.0.0.1 to find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

// Runs argv as root (the programs switch to mysql themselves) through the host's runner,
// without the caller's MYSQL* variables, bounded; throws with `what`, the exit code and the
// output when it fails.
void run_or_throw(std::vector<std::string> argv, const std::string& what) {
  ProcessRequest request;
  request.argv = std::move(argv);
  request.timeout = 180s;
  request.drop_env_prefixes = {"MYSQL"};
  auto ran = run_process(request);
  if (!ran) throw std::runtime_error(what + " failed: " + ran.error().message);
  if (ran->exit_code != 0)
    throw std::runtime_error(what + " failed: exit code " + std::to_string(ran->exit_code) +
                             (ran->timed_out ? " (timed out)" : "") + ": " + ran->output);
}

}  // namespace

void install_mysql_datadir(const fs::path& data, const std::string& bootstrap_sql) {
  run_or_throw({"/usr/bin/mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir=" + data.string(),
                "--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve"},
               "mariadb-install-db of " + data.string());
  if (bootstrap_sql.empty()) return;
  // The server's bootstrap mode reads SQL from stdin: a shell feeds it the file.
  const auto sql = data.parent_path() / "bootstrap.sql";
  // Bootstrap mode runs without the grant tables until FLUSH PRIVILEGES loads them.
  std::ofstream(sql) << "FLUSH PRIVILEGES;\n" << bootstrap_sql;
  auto server = mysql::choose_server(mysql::server_candidates(), [](const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
  });
  if (!server) throw std::runtime_error(server.error().message);
  try {
    run_or_throw({"/bin/sh", "-c",
                  "exec \"$0\" --no-defaults --bootstrap --user=mysql --datadir=\"$1\" "
                  "--skip-networking --log-warnings=0 < \"$2\"",
                  server->string(), data.string(), sql.string()},
                 "mariadbd --bootstrap on " + data.string());
  } catch (...) {
    std::error_code ec;
    fs::remove(sql, ec);
    throw;
  }
  std::error_code ec;
  fs::remove(sql, ec);
}

MysqlTestServer::MysqlTestServer() {
  std::string tmpl = "/tmp/hvmys.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a folder under /tmp for a datadir");
  folder_ = tmpl;
  // The mysql user walks into the folder.
  fs::permissions(folder_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  port_ = free_mysql_port();
  install_mysql_datadir(data());
}

MysqlTestServer::~MysqlTestServer() {
  // Whatever server still works on the datadir (verified from /proc, as the plugin does: the
  // pid file may name a stand-in here).
  BasicHostContext host;
  for (pid_t pid : mysql::servers_of_datadir(host, data())) ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !mysql::servers_of_datadir(host, data()).empty(); ++i) std::this_thread::sleep_for(50ms);
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

std::map<std::string, std::string> MysqlTestServer::settings() const {
  return {{"data", data().string()},
          {"port", std::to_string(port_)},
          {"run_dir", (folder_ / "run").string()},
          {"pid_file", pid_file().string()},
          {"log", log().string()},
          {"listen", "127.0.0.1"}};
}

}  // namespace haven::test
