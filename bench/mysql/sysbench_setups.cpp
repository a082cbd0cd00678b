#include "sysbench_setups.hpp"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mysql.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

#include "data_folder.hpp"
#include "mysql_client.hpp"
#include "database_pair.hpp"
#include "mysql_settings.hpp"
#include "server_identity.hpp"
#include "server_launch.hpp"
#include "common/process_runner.hpp"
#include "plugin_host/basic_host_context.hpp"

namespace haven::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kUser = "bench";
constexpr const char* kDatabase = "sbtest";

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

Status run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, std::string* output = nullptr) {
  auto request = process_request(argv, std::nullopt, timeout);
  request.drop_env_prefixes.push_back("MYSQL");  // MYSQL_HOME, MYSQL_PWD would change what it reads
  auto ran = run_process(request);
  if (!ran) return std::move(ran).error();
  if (output != nullptr) *output = ran->output;
  if (ran->exit_code != 0)
    return fail(Errc::internal, argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + " failed (exit " +
                                    std::to_string(ran->exit_code) + "): " + ran->output);
  return ok_status();
}

// A datadir with the bench account (any host, no password, every privilege: also replication)
// and database, made by mariadb-install-db and the server's bootstrap mode.
Status make_datadir(const fs::path& data) {
  if (auto st = run({"/usr/bin/mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir=" + data.string(),
                     "--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve"},
                    180s);
      !st)
    return st;
  const auto sql = data.parent_path() / (data.filename().string() + "-bootstrap.sql");
  std::ofstream(sql) << "FLUSH PRIVILEGES;\nCREATE USER '" << kUser << "'@'%';\nGRANT ALL ON *.* TO '" << kUser
                     << "'@'%';\nCREATE DATABASE " << kDatabase << ";\n";
  auto server = mysql::choose_server(mysql::server_candidates(), [](const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
  });
  if (!server) return std::move(server).error();
  return run({"/bin/sh", "-c",
              "exec \"$0\" --no-defaults --bootstrap --user=mysql --datadir=\"$1\" --skip-networking "
              "--log-warnings=0 < \"$2\"",
              server->string(), data.string(), sql.string()},
             180s);
}

// One server of a folder under /tmp: its settings, started detached, killed at the end.
class LocalServer {
 public:
  LocalServer(fs::path folder, const std::string& name, const fs::path& source, const std::string& options)
      : folder_(std::move(folder)), name_(name) {
    port_ = free_port();
    context_.settings = {{"data", (folder_ / name).string()},
                         {"port", std::to_string(port_)},
                         {"run_dir", (folder_ / (name + "-run")).string()},
                         {"log", (folder_ / (name + ".err")).string()},
                         {"listen", "127.0.0.1"},
                         {"config", (source / "modules" / "mysql" / "bin" / "mysql_server.cnf").string()},
                         {"options", options},
                         {"start_timeout", "120"}};
  }
  ~LocalServer() {
    BasicHostContext host;
    for (pid_t pid : mysql::servers_of_datadir(host, folder_ / name_)) ::kill(pid, SIGKILL);
  }
  Status start() {
    if (auto st = make_datadir(folder_ / name_); !st) return st;
    auto s = mysql::read_settings(context_);
    if (!s) return std::move(s).error();
    settings_ = *s;
    auto user = mysql::find_user("mysql");
    if (!user) return std::move(user).error();
    if (auto st = mysql::prepare_run_files(*s, *user); !st) return st;
    const auto copy = s->run_dir / "server.cnf";
    std::error_code ec;
    fs::copy_file(s->config, copy, fs::copy_options::overwrite_existing, ec);
    if (ec || ::chown(copy.c_str(), user->uid, user->gid) != 0)
      return fail(Errc::io_error, "cannot copy " + s->config.string() + " to " + copy.string());
    BasicHostContext host;
    auto pid = host.launch_detached(mysql::server_launch_request(mysql::server_command(*s, copy), *user, s->log));
    if (!pid) return std::move(pid).error();
    for (int i = 0; i < 600; ++i) {
      if (mysql::check_server(*s, context_)) return ok_status();
      std::this_thread::sleep_for(200ms);
    }
    return fail(Errc::timeout, "the server on " + s->data.string() + " did not answer in 120 s (log " + s->log.string() + ")");
  }
  // Runs statements as root over the socket; the first column of the last result's rows.
  Result<std::vector<std::string>> sql(const std::vector<std::string>& statements) const {
    MYSQL* conn = mysql_init(nullptr);
    if (mysql_real_connect(conn, "localhost", "root", nullptr, nullptr, 0, settings_.socket.c_str(), 0) == nullptr) {
      Status st = fail(Errc::io_error, "connect to " + settings_.socket.string() + ": " + mysql_error(conn));
      mysql_close(conn);
      return std::move(st).error();
    }
    std::vector<std::string> rows;
    for (const auto& statement : statements) {
      if (mysql_query(conn, statement.c_str()) != 0) {
        Status st = fail(Errc::io_error, statement + ": " + mysql_error(conn));
        mysql_close(conn);
        return std::move(st).error();
      }
      rows.clear();
      if (MYSQL_RES* r = mysql_store_result(conn)) {
        const unsigned columns = mysql_num_fields(r);
        while (MYSQL_ROW row = mysql_fetch_row(r)) rows.emplace_back(row[columns - 1] ? row[columns - 1] : "");
        mysql_free_result(r);
      }
    }
    mysql_close(conn);
    return rows;
  }
  int port() const { return port_; }

 private:
  fs::path folder_;
  std::string name_;
  int port_ = 0;
  AppContext context_;
  mysql::MysqlSettings settings_;
};

// A folder under /tmp the mysql user can walk into; removed with everything in it.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string tmpl = "/tmp/hvmyb.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a folder under /tmp");
    path_ = tmpl;
    ::chmod(path_.c_str(), 0755);
  }
  ~ScratchFolder() {
    std::this_thread::sleep_for(300ms);
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class LocalSetup final : public MysqlSetup {
 public:
  explicit LocalSetup(const fs::path& source) : server_(folder_.path(), "data", source, "") {}
  Status start() {
    target_.port = server_.port();
    target_.user = kUser;
    target_.database = kDatabase;
    return server_.start();
  }
  const MysqlTarget& target() const override { return target_; }
  std::string describe() const override { return "MariaDB on a folder under /tmp, client on 127.0.0.1"; }

 private:
  ScratchFolder folder_;  // declared first: removed last
  LocalServer server_;
  MysqlTarget target_;
};

class HavenSetup final : public MysqlSetup {
 public:
  explicit HavenSetup(std::unique_ptr<netns_failover::DatabasePair> pair) : pair_(std::move(pair)) {
    target_.prefix = {"/usr/bin/ip", "netns", "exec", pair_->client_netns()};
    if (::access(target_.prefix[0].c_str(), X_OK) != 0) target_.prefix[0] = "/sbin/ip";
    const auto& account = pair_->flavour().facts().account;
    target_.host = netns_failover::kDatabaseVip;
    target_.port = account.port;
    target_.user = account.user;
    target_.database = account.database;
  }
  const MysqlTarget& target() const override { return target_; }
  std::string describe() const override {
    return "the mysql module on two havend, secondary in sync (async=\"second\"), client through the VIP";
  }

 private:
  std::unique_ptr<netns_failover::DatabasePair> pair_;
  MysqlTarget target_;
};

class SemisyncSetup final : public MysqlSetup {
 public:
  explicit SemisyncSetup(const fs::path& source)
      : primary_(folder_.path(), "primary", source,
                 "--server-id=1 --log-bin=mysql-bin --sync-binlog=1 --rpl-semi-sync-master-enabled=ON "
                 "--rpl-semi-sync-master-wait-point=AFTER_SYNC --rpl-semi-sync-master-timeout=600000"),
        replica_(folder_.path(), "replica", source,
                 "--server-id=2 --rpl-semi-sync-slave-enabled=ON --relay-log=relay-bin --sync-relay-log=1") {}
  Status start() {
    if (auto st = primary_.start(); !st) return st;
    if (auto st = replica_.start(); !st) return st;
    auto started = replica_.sql({"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + std::to_string(primary_.port()) +
                                     ", MASTER_USER='" + kUser + "', MASTER_USE_GTID=slave_pos",
                                 "START SLAVE"});
    if (!started) return std::move(started).error();
    for (int i = 0; i < 300; ++i) {
      auto status = primary_.sql({"SHOW STATUS LIKE 'Rpl_semi_sync_master_status'"});
      if (status && !status->empty() && status->front() == "ON") {
        target_.port = primary_.port();
        target_.user = kUser;
        target_.database = kDatabase;
        return ok_status();
      }
      std::this_thread::sleep_for(200ms);
    }
    return fail(Errc::timeout, "the primary's semi-synchronous replication did not turn ON within 60 s");
  }
  const MysqlTarget& target() const override { return target_; }
  std::string describe() const override {
    return "MariaDB semi-sync: primary waits for the replica's ack (AFTER_SYNC, sync_binlog=1), both on 127.0.0.1";
  }

 private:
  ScratchFolder folder_;
  LocalServer primary_;
  LocalServer replica_;
  MysqlTarget target_;
};

}  // namespace

Result<std::unique_ptr<MysqlSetup>> make_local_setup(const fs::path& source) {
  auto setup = std::make_unique<LocalSetup>(source);
  if (auto st = setup->start(); !st) return std::move(st).error();
  return std::unique_ptr<MysqlSetup>(std::move(setup));
}

Result<std::unique_ptr<MysqlSetup>> make_haven_setup(const fs::path& build, const fs::path& source) {
  auto pair = netns_failover::DatabasePair::create(netns_failover::linked_database_flavour(), build, source, "bnmy");
  if (!pair) return std::move(pair).error();
  return std::unique_ptr<MysqlSetup>(std::make_unique<HavenSetup>(std::move(pair).value()));
}

Result<std::unique_ptr<MysqlSetup>> make_semisync_setup(const fs::path& source) {
  auto setup = std::make_unique<SemisyncSetup>(source);
  if (auto st = setup->start(); !st) return std::move(st).error();
  return std::unique_ptr<MysqlSetup>(std::move(setup));
}

Result<double> run_sysbench(const MysqlTarget& target, int tables, int table_size, int threads, int seconds) {
  std::vector<std::string> base = target.prefix;
  base.insert(base.end(), {"/usr/bin/sysbench", "oltp_write_only", "--db-driver=mysql", "--mysql-host=" + target.host,
                           "--mysql-port=" + std::to_string(target.port), "--mysql-user=" + target.user,
                           "--mysql-db=" + target.database, "--tables=" + std::to_string(tables),
                           "--table-size=" + std::to_string(table_size)});
  auto prepare = base;
  prepare.push_back("prepare");
  if (auto st = run(prepare, 600s); !st) return std::move(st).error();
  auto go = base;
  go.insert(go.end(), {"--threads=" + std::to_string(threads), "--time=" + std::to_string(seconds), "run"});
  std::string output;
  if (auto st = run(go, std::chrono::seconds(seconds + 120), &output); !st) return std::move(st).error();
  std::smatch m;
  static const std::regex tps(R"(transactions:\s+\d+\s+\(([0-9.]+) per sec)");
  if (!std::regex_search(output, m, tps)) return fail(Errc::internal, "sysbench printed no transactions line: " + output);
  return std::stod(m[1].str());
}

}  // namespace haven::bench
