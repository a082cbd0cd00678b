// haven-bench-postgresql: pgbench (TPC-B-like) against PostgreSQL on a local data folder, on
// haven's replicated folder with the secondary in sync, and with PostgreSQL's own synchronous
// streaming replication, all on this machine. Prints the tps of each. Root only.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pgbench_setups.hpp"
#include "postgresql_settings.hpp"

namespace {

std::filesystem::path from_env(const char* name, const char* fallback) {
  if (const char* env = std::getenv(name); env != nullptr && *env != '\0') return env;
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pgbench on a local folder, on haven's replicated folder and with synchronous streaming replication"};
  int scale = 10;
  int clients = 4;
  int seconds = 30;
  std::string only = "all";
  app.add_option("--scale", scale, "pgbench -s (10: 1 million accounts)")->check(CLI::Range(1, 1000));
  app.add_option("--clients", clients, "pgbench -c and -j")->check(CLI::Range(1, 64));
  app.add_option("--seconds", seconds, "pgbench -T for each setup")->check(CLI::Range(1, 3600));
  app.add_option("--only", only, "local, haven, streaming or all")
      ->check(CLI::IsMember({"local", "haven", "streaming", "all"}));
  CLI11_PARSE(app, argc, argv);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "haven-bench-postgresql: run it as root (PostgreSQL runs as postgres, started by root)\n");
    return 1;
  }
  if (haven::postgresql::installed_versions().empty()) {
    std::fprintf(stderr, "haven-bench-postgresql: no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)\n");
    return 1;
  }
  const auto build = from_env("HAVEN_BUILD_DIR", HAVEN_BENCH_BUILD_DIR);
  const auto source = from_env("HAVEN_SOURCE_DIR", HAVEN_BENCH_SOURCE_DIR);
  std::printf("pgbench TPC-B-like, scale %d, %d clients, %d s per setup, PostgreSQL %s, fsync and synchronous_commit on\n",
              scale, clients, seconds, haven::postgresql::installed_versions().front().c_str());
  std::fflush(stdout);

  struct Row {
    const char* name;
    haven::Result<std::unique_ptr<haven::bench::PgSetup>> (*make)(const std::filesystem::path&, const std::filesystem::path&);
  };
  const Row rows[] = {
      {"local", [](const auto&, const auto&) { return haven::bench::make_local_setup(); }},
      {"haven", [](const auto& b, const auto& s) { return haven::bench::make_haven_setup(b, s); }},
      {"streaming", [](const auto&, const auto&) { return haven::bench::make_streaming_setup(); }},
  };
  int failures = 0;
  for (const auto& row : rows) {
    if (only != "all" && only != row.name) continue;
    auto setup = row.make(build, source);
    if (!setup) {
      std::printf("  %-10s  not run: %s\n", row.name, setup.error().message.c_str());
      ++failures;
      continue;
    }
    auto tps = haven::bench::run_pgbench((*setup)->target(), scale, clients, seconds);
    if (!tps) {
      std::printf("  %-10s  failed: %s\n", row.name, tps.error().message.c_str());
      ++failures;
    } else {
      std::printf("  %-10s  %9.1f tps   %s\n", row.name, *tps, (*setup)->describe().c_str());
    }
    std::fflush(stdout);
  }
  return failures == 0 ? 0 : 1;
}
