#include "pgbench_setups.hpp"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

#include "database_pair.hpp"
#include "postgresql_settings.hpp"
#include "postmaster_identity.hpp"
#include "plugin_host/basic_host_context.hpp"
#include "common/process_runner.hpp"
#include "system_user.hpp"

namespace haven::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string bin(const std::string& program) {
  return "/usr/lib/postgresql/" + postgresql::installed_versions().front() + "/bin/" + program;
}

// Runs a PostgreSQL program as postgres; the error carries its output.
Status as_postgres(std::vector<std::string> argv, std::chrono::milliseconds timeout, const fs::path& log = {}) {
  auto user = postgresql::find_user("postgres");
  if (!user) return std::move(user).error();
  auto ran = run_process(process_request(argv, user->name, timeout, log));
  if (!ran) return std::move(ran).error();
  if (ran->exit_code != 0)
    return fail(Errc::internal, argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + " failed (exit " +
                                    std::to_string(ran->exit_code) + "): " + ran->output +
                                    (log.empty() ? "" : " (see " + log.string() + ")"));
  return ok_status();
}

// A folder under /tmp the postgres user owns; removed, with every server working in it killed.
class PgFolder {
 public:
  PgFolder() {
    std::string tmpl = "/tmp/hvpgb.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a folder under /tmp");
    path_ = tmpl;
    auto user = postgresql::find_user("postgres");
    if (!user || ::chown(path_.c_str(), user->uid, user->gid) != 0) throw std::runtime_error("cannot chown " + path_.string());
  }
  ~PgFolder() {
    std::error_code ec;
    BasicHostContext host;
    for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec))
      for (pid_t pid : postgresql::processes_in_data_directory(host, it->path())) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(300ms);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Status initdb(const fs::path& data) {
  return as_postgres({bin("initdb"), "-D", data.string(), "--auth=trust", "-U", "postgres", "-E", "UTF8"}, 120s);
}

Status start(const fs::path& data, int port, const fs::path& log) {
  return as_postgres({bin("pg_ctl"), "start", "-D", data.string(), "-w", "-t", "120", "-o",
                      "-p " + std::to_string(port) + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" +
                          data.parent_path().string()},
                     150s, log);
}

class LocalSetup final : public PgSetup {
 public:
  const PgTarget& target() const override { return target_; }
  std::string describe() const override { return "local data folder " + (folder_.path() / "data").string(); }
  PgFolder folder_;
  PgTarget target_;
};

class HavenSetup final : public PgSetup {
 public:
  const PgTarget& target() const override { return target_; }
  std::string describe() const override {
    return "haven replicated folder " + pair_->shared().string() + "/data (shipped postgresql module, async=second, secondary in sync)";
  }
  std::unique_ptr<netns_failover::DatabasePair> pair_;
  PgTarget target_;
};

class StreamingSetup final : public PgSetup {
 public:
  const PgTarget& target() const override { return target_; }
  std::string describe() const override {
    return "PostgreSQL synchronous streaming replication (synchronous_commit=on, a standby on port " +
           std::to_string(standby_port_) + ")";
  }
  PgFolder folder_;
  PgTarget target_;
  int standby_port_ = 0;
};

// The sync_state of the first standby the primary on `port` has, "" when none.
std::string sync_state(int port) {
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=postgres";
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string state;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, "SELECT sync_state FROM pg_stat_replication");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) state = PQgetvalue(r, 0, 0);
    PQclear(r);
  }
  PQfinish(conn);
  return state;
}

}  // namespace

Result<std::unique_ptr<PgSetup>> make_local_setup() {
  auto setup = std::make_unique<LocalSetup>();
  const auto data = setup->folder_.path() / "data";
  if (auto st = initdb(data); !st) return std::move(st).error();
  setup->target_ = PgTarget{{}, "127.0.0.1", free_port()};
  if (auto st = start(data, setup->target_.port, setup->folder_.path() / "postgresql.log"); !st)
    return std::move(st).error();
  return std::unique_ptr<PgSetup>(std::move(setup));
}

Result<std::unique_ptr<PgSetup>> make_haven_setup(const fs::path& build, const fs::path& source) {
  const auto& flavour = netns_failover::linked_database_flavour();
  if (auto why = netns_failover::database_pair_unavailable(flavour); !why.empty()) return fail(Errc::unsupported, why);
  auto pair = netns_failover::DatabasePair::create(flavour, build, source, "pgbench");
  if (!pair) return std::move(pair).error();
  auto setup = std::make_unique<HavenSetup>();
  setup->pair_ = std::move(pair).value();
  setup->target_ = PgTarget{{"ip", "netns", "exec", setup->pair_->client_netns()}, netns_failover::kDatabaseVip,
                            flavour.facts().account.port};
  return std::unique_ptr<PgSetup>(std::move(setup));
}

Result<std::unique_ptr<PgSetup>> make_streaming_setup() {
  auto setup = std::make_unique<StreamingSetup>();
  const auto primary = setup->folder_.path() / "primary";
  const auto standby = setup->folder_.path() / "standby";
  if (auto st = initdb(primary); !st) return std::move(st).error();
  std::ofstream(primary / "postgresql.conf", std::ios::app)
      << "\n# haven bench: every commit waits for the standby's flush\n"
         "wal_level = replica\nmax_wal_senders = 4\nsynchronous_standby_names = '*'\nsynchronous_commit = on\n";
  setup->target_ = PgTarget{{}, "127.0.0.1", free_port()};
  if (auto st = start(primary, setup->target_.port, setup->folder_.path() / "primary.log"); !st)
    return std::move(st).error();
  if (auto st = as_postgres({bin("pg_basebackup"), "-h", "127.0.0.1", "-p", std::to_string(setup->target_.port), "-U",
                             "postgres", "-D", standby.string(), "-R", "-X", "stream"},
                            300s);
      !st)
    return std::move(st).error();
  setup->standby_port_ = free_port();
  if (auto st = start(standby, setup->standby_port_, setup->folder_.path() / "standby.log"); !st)
    return std::move(st).error();
  for (int i = 0; i < 300; ++i) {
    if (sync_state(setup->target_.port) == "sync") return std::unique_ptr<PgSetup>(std::move(setup));
    std::this_thread::sleep_for(100ms);
  }
  return fail(Errc::timeout, "the standby did not become synchronous within 30 s (pg_stat_replication on port " +
                                 std::to_string(setup->target_.port) + ")");
}

Result<double> run_pgbench(const PgTarget& target, int scale, int clients, int seconds) {
  auto command = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = target.prefix;
    argv.insert(argv.end(), {bin("pgbench"), "-h", target.host, "-p", std::to_string(target.port), "-U", "postgres"});
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("postgres");
    if (argv[0] == "ip") argv[0] = fs::exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";
    return argv;
  };
  auto init = run_process(process_request(command({"-i", "-q", "-s", std::to_string(scale)}), std::nullopt, 1800s));
  if (!init) return std::move(init).error();
  if (init->exit_code != 0) return fail(Errc::internal, "pgbench -i failed: " + init->output);
  auto run = run_process(process_request(
      command({"-c", std::to_string(clients), "-j", std::to_string(clients), "-T", std::to_string(seconds)}), std::nullopt,
      std::chrono::seconds(seconds + 600)));
  if (!run) return std::move(run).error();
  if (run->exit_code != 0) return fail(Errc::internal, "pgbench failed: " + run->output);
  std::smatch m;
  static const std::regex tps(R"(tps = ([0-9.]+) \(without initial connection time\))");
  if (!std::regex_search(run->output, m, tps)) return fail(Errc::parse_error, "no tps in pgbench's output: " + run->output);
  return std::stod(m[1].str());
}

}  // namespace haven::bench
