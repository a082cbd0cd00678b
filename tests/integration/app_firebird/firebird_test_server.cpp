#include "firebird_test_server.hpp"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "common/process_runner.hpp"
#include "firebird_settings.hpp"
#include "instance_files.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "server_identity.hpp"
#include "server_launch.hpp"

namespace haven::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string firebird_unavailable() {
  if (::geteuid() != 0) return "not root (Firebird runs as the firebird user, started by root)";
  if (!firebird::find_user("firebird")) return "no firebird user (apt-get install firebird3.0-server)";
  if (::access("/usr/sbin/firebird", X_OK) != 0) return "no /usr/sbin/firebird (apt-get install firebird3.0-server)";
  if (::access("/usr/bin/isql-fb", X_OK) != 0) return "no /usr/bin/isql-fb (apt-get install firebird3.0-utils)";
  return {};
}

int free_firebird_port() {
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

std::string isql_embedded(const fs::path& run_dir, const fs::path& database, const std::string& sql) {
  // isql-fb reads the statements from a file the firebird user can read.
  char name[] = "/tmp/hvfbsql.XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) throw std::runtime_error("cannot make a file under /tmp for isql-fb's input");
  ::close(fd);
  const fs::path input = name;
  std::ofstream(input) << sql << "\n";
  fs::permissions(input, fs::perms(0644));
  ProcessRequest request;
  request.argv = {"/usr/bin/isql-fb", "-q", "-user", "SYSDBA", "-i", input.string()};
  if (!database.empty()) request.argv.push_back(database.string());
  request.user = "firebird";
  request.timeout = 120s;
  request.drop_env_prefixes = {"ISC_", "FIREBIRD"};
  request.env = {"FIREBIRD=" + run_dir.string(), "FIREBIRD_LOCK=" + (run_dir / "lock").string()};
  if (auto msg = firebird::find_install_dir(); !msg.empty()) request.env.push_back("FIREBIRD_MSG=" + msg.string());
  auto ran = run_process(request);
  std::error_code ec;
  fs::remove(input, ec);
  if (!ran) throw std::runtime_error("isql-fb failed: " + ran.error().message);
  if (ran->exit_code != 0)
    throw std::runtime_error("isql-fb on " + database.string() + " failed: exit code " +
                             std::to_string(ran->exit_code) + (ran->timed_out ? " (timed out)" : "") + ": " +
                             ran->output + "\nSQL: " + sql);
  return ran->output;
}

FirebirdTestServer::FirebirdTestServer() {
  std::string tmpl = "/tmp/hvfb.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a folder under /tmp for Firebird");
  folder_ = tmpl;
  // The firebird user walks into the folder.
  fs::permissions(folder_, fs::perms(0755));
  port_ = free_firebird_port();
  std::random_device random;
  password_ = "hv" + std::to_string(random() % 1000000);
  auto user = firebird::find_user("firebird");
  if (!user) throw std::runtime_error(user.error().message);
  fs::create_directories(data());
  if (::chown(data().c_str(), user->uid, user->gid) != 0) throw std::runtime_error("cannot give the data folder to firebird");
  // The instance's configuration, written as the plugin writes it, names the security database.
  AppContext context;
  context.settings = settings();
  auto s = firebird::read_settings(context);
  if (!s) throw std::runtime_error(s.error().message);
  if (auto written = firebird::write_instance_files(*s, *user); !written)
    throw std::runtime_error(written.error().message);
  const auto security = data() / "security3.fdb";
  isql_embedded(run_dir(), {}, "create database '" + security.string() + "';");
  isql_embedded(run_dir(), security, "create or alter user SYSDBA password '" + password_ + "';");
  isql_embedded(run_dir(), {}, "create database '" + database().string() + "';");
}

FirebirdTestServer::~FirebirdTestServer() {
  // Whatever server still works on the data folder (verified from /proc, as the plugin does:
  // the pid file may name a stand-in here).
  BasicHostContext host;
  for (pid_t pid : firebird::servers_of_data(host, data())) ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && !firebird::servers_of_data(host, data()).empty(); ++i) std::this_thread::sleep_for(50ms);
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

std::map<std::string, std::string> FirebirdTestServer::settings() const {
  return {{"data", data().string()},    {"port", std::to_string(port_)}, {"run_dir", run_dir().string()},
          {"log", log().string()},      {"listen", "127.0.0.1"},         {"password", password_},
          {"start_timeout", "60"},      {"stop_timeout", "10"}};
}

}  // namespace haven::test
