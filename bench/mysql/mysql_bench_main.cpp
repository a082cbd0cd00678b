// haven-bench-mysql: sysbench oltp_write_only against MariaDB on a local folder, on haven's
// replicated folder with the secondary in sync, and with MariaDB's semi-synchronous
// replication, all on this machine. Prints the transactions per second of each. Root only.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "sysbench_setups.hpp"

namespace {

std::filesystem::path from_env(const char* name, const char* fallback) {
  if (const char* env = std::getenv(name); env != nullptr && *env != '\0') return env;
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sysbench oltp_write_only on a local folder, on haven's replicated folder and with semi-sync replication"};
  int tables = 4;
  int table_size = 10000;
  int threads = 4;
  int seconds = 30;
  std::string only = "all";
  app.add_option("--tables", tables, "sysbench --tables")->check(CLI::Range(1, 64));
  app.add_option("--table-size", table_size, "sysbench --table-size")->check(CLI::Range(100, 10000000));
  app.add_option("--threads", threads, "sysbench --threads")->check(CLI::Range(1, 64));
  app.add_option("--seconds", seconds, "sysbench --time for each setup")->check(CLI::Range(1, 3600));
  app.add_option("--only", only, "local, haven, semisync or all")->check(CLI::IsMember({"local", "haven", "semisync", "all"}));
  CLI11_PARSE(app, argc, argv);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "haven-bench-mysql: run it as root (MariaDB runs as mysql, started by root)\n");
    return 1;
  }
  if (::access("/usr/bin/sysbench", X_OK) != 0 || ::access("/usr/bin/mariadb-install-db", X_OK) != 0) {
    std::fprintf(stderr, "haven-bench-mysql: needs /usr/bin/sysbench and MariaDB (apt-get install sysbench mariadb-server)\n");
    return 1;
  }
  const auto build = from_env("HAVEN_BUILD_DIR", HAVEN_BENCH_BUILD_DIR);
  const auto source = from_env("HAVEN_SOURCE_DIR", HAVEN_BENCH_SOURCE_DIR);
  std::printf("sysbench oltp_write_only, %d tables of %d rows, %d threads, %d s per setup, "
              "innodb_flush_log_at_trx_commit = 1\n",
              tables, table_size, threads, seconds);
  std::fflush(stdout);

  struct Row {
    const char* name;
    haven::Result<std::unique_ptr<haven::bench::MysqlSetup>> (*make)(const std::filesystem::path&,
                                                                    const std::filesystem::path&);
  };
  const Row rows[] = {
      {"local", [](const auto&, const auto& s) { return haven::bench::make_local_setup(s); }},
      {"haven", [](const auto& b, const auto& s) { return haven::bench::make_haven_setup(b, s); }},
      {"semisync", [](const auto&, const auto& s) { return haven::bench::make_semisync_setup(s); }},
  };
  int failures = 0;
  for (const auto& row : rows) {
    if (only != "all" && only != row.name) continue;
    auto setup = row.make(build, source);
    if (!setup) {
      std::printf("  %-9s  not run: %s\n", row.name, setup.error().message.c_str());
      ++failures;
      continue;
    }
    auto tps = haven::bench::run_sysbench((*setup)->target(), tables, table_size, threads, seconds);
    if (!tps) {
      std::printf("  %-9s  failed: %s\n", row.name, tps.error().message.c_str());
      ++failures;
    } else {
      std::printf("  %-9s  %9.1f tps   %s\n", row.name, *tps, (*setup)->describe().c_str());
    }
    std::fflush(stdout);
  }
  return failures == 0 ? 0 : 1;
}
