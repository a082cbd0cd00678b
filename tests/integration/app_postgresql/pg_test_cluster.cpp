#include "pg_test_cluster.hpp"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <thread>

#include "postgresql_settings.hpp"
#include "postmaster_identity.hpp"
#include "common/process_runner.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "system_user.hpp"

namespace haven::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string postgresql_unavailable() {
  if (::geteuid() != 0) return "not root (PostgreSQL runs as the postgres user, started by root)";
  if (!postgresql::find_user("postgres")) return "no postgres user (apt-get install postgresql)";
  if (postgresql::installed_versions().empty()) return "no /usr/lib/postgresql/*/bin/pg_ctl (apt-get install postgresql)";
  return {};
}

int free_port() {
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

PgTestCluster::PgTestCluster() {
  std::string tmpl = "/tmp/hvpgc.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a folder under /tmp for a cluster");
  folder_ = tmpl;
  auto user = postgresql::find_user("postgres");
  if (!user) throw std::runtime_error(user.error().message);
  // The postgres user walks into the folder and owns the cluster.
  fs::permissions(folder_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  if (::chown(folder_.c_str(), user->uid, user->gid) != 0) throw std::runtime_error("cannot chown " + folder_.string());
  version_ = postgresql::installed_versions().front();
  port_ = free_port();
  auto ran = run_process(process_request({"/usr/lib/postgresql/" + version_ + "/bin/initdb", "-D", data().string(),
                                             "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8"},
                                            user->name, 120s));
  if (!ran || ran->exit_code != 0)
    throw std::runtime_error("initdb of " + data().string() + " failed: " +
                             (ran ? ran->output : ran.error().message));
}

PgTestCluster::~PgTestCluster() {
  // Whatever server still works in the data directory (verified from /proc, as the plugin
  // does: postmaster.pid may name a stand-in here).
  BasicHostContext host;
  for (pid_t pid : postgresql::processes_in_data_directory(host, data())) ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !postgresql::processes_in_data_directory(host, data()).empty(); ++i)
    std::this_thread::sleep_for(50ms);
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

std::map<std::string, std::string> PgTestCluster::settings() const {
  return {{"data", data().string()},
          {"port", std::to_string(port_)},
          {"version", version_},
          {"socket_dir", (folder_ / "run").string()},
          {"log", (folder_ / "postgresql.log").string()},
          {"listen", "127.0.0.1"}};
}

}  // namespace haven::test
