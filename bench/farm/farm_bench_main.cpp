// bench_farm: issue 16's figures for haven's farm against HAProxy as a director, on hosts made
// of network namespaces, in one run: (1) the longest gap the clients of a dying node see,
// (2) requests per second through the VIP with 1, 2 and 3 nodes UP against one web server
// alone, (3) how the 256 buckets and the client addresses spread over three nodes. It prints
// figures and asserts nothing about time; exit 1 only when a step could not be carried out.
// Root only.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bucket_spread.hpp"
#include "client_addresses.hpp"
#include "command_runner.hpp"
#include "farm_load.hpp"
#include "gap_round.hpp"
#include "haproxy_director.hpp"
#include "netns_cluster.hpp"
#include "timing_summary.hpp"

namespace {

using haven::bench::Director;
using haven::bench::GapRound;
using haven::bench::GapSeries;

struct SeriesResult {
  GapSeries series;
  std::vector<GapRound> rounds;
  std::vector<std::string> errors;
};

std::filesystem::path default_build_dir() {
  if (const char* env = std::getenv("HAVEN_BUILD_DIR"); env != nullptr && *env != '\0') return env;
  return HAVEN_BENCH_BUILD_DIR;
}

int default_rounds() {
  if (const char* env = std::getenv("HAVEN_BENCH_ROUNDS"); env != nullptr && *env != '\0') {
    const int n = std::atoi(env);
    if (n >= 1) return n;
    std::fprintf(stderr, "bench_farm: HAVEN_BENCH_ROUNDS='%s' is not a positive number; using 3\n", env);
  }
  return 3;
}

std::string first_line(const std::vector<std::string>& argv) {
  const auto out = haven::cluster::run_command(argv, std::chrono::seconds(5));
  const auto& text = out.out.empty() ? out.err : out.out;
  return text.substr(0, text.find('\n'));
}

std::vector<GapSeries> gap_series(int tuned_slost, int tuned_mlost, int tuned_pulse, bool with_haproxy) {
  const auto tuned = fmt::format("pulse {} slost {} mlost {} (tuned)", tuned_pulse, tuned_slost, tuned_mlost);
  std::vector<GapSeries> out{
      {"haven, slost 10 mlost 20 (default): node3 dies", Director::haven, 10, 20, 3, 100},
      {"haven, default: node1 (the master) dies", Director::haven, 10, 20, 1, 100},
      {"haven, " + tuned + ": node3 dies", Director::haven, tuned_slost, tuned_mlost, 3, tuned_pulse},
      {"haven, tuned: node1 (the master) dies", Director::haven, tuned_slost, tuned_mlost, 1, tuned_pulse},
  };
  if (with_haproxy) out.push_back({"HAProxy (inter 100ms fall 1): node3 dies", Director::haproxy, 0, 0, 3, 0});
  return out;
}

std::string percent(double share) { return fmt::format("{:.1f}", share * 100); }

void print_gaps(const std::vector<SeriesResult>& results, const haven::bench::GapSettings& gs) {
  std::printf("\n1. Longest gap a client sees when a node dies (its link cut at the switch, then kill -9 of every\n"
              "   process in its namespace): ms from the link down to the next answered request, the longest\n"
              "   among the clients the dead node served. Client: %zu source addresses in turn, a request every\n"
              "   %lld ms (each address every %lld ms: the gap is known to within that), request timeout %lld ms;\n"
              "   failed = share of the requests sent in the %lld ms after the death that were not answered.\n"
              "   haven: pulse 100 ms unless the series says; node1 is the farm membership's master (lost after mlost_count pulses, any\n"
              "   other node after slost_count).\n\n",
              haven::bench::lan1_client_sources().size(), static_cast<long long>(gs.interval.count()),
              static_cast<long long>(gs.interval.count()) * static_cast<long long>(haven::bench::lan1_client_sources().size()),
              static_cast<long long>(gs.request_timeout.count()), static_cast<long long>(gs.window.count()));
  std::printf("%-52s %6s %8s %8s %8s   %-20s %s\n", "series", "rounds", "min ms", "median", "max ms",
              "failed % min/med/max", "dead node's clients");
  for (const auto& r : results) {
    std::vector<double> gaps;
    std::vector<double> failed;
    std::string clients;
    for (const auto& round : r.rounds) {
      gaps.push_back(round.longest_ms);
      failed.push_back(round.failed_share);
      clients += (clients.empty() ? "" : ",") + std::to_string(round.dead_clients);
    }
    const auto g = haven::bench::summarize(gaps);
    const auto f = haven::bench::summarize(failed);  // shares, summarised alike
    const auto failed_text = r.rounds.empty() ? std::string("-")
                                              : percent(f.min_ms) + "/" + percent(f.median_ms) + "/" + percent(f.max_ms);
    std::printf("%-52s %6zu %8.1f %8.1f %8.1f   %-20s %s of %zu%s\n", r.series.label.c_str(), g.count, g.min_ms,
                g.median_ms, g.max_ms, failed_text.c_str(), clients.empty() ? "-" : clients.c_str(),
                haven::bench::lan1_client_sources().size(),
                r.errors.empty() ? "" : fmt::format("  ({} rounds FAILED)", r.errors.size()).c_str());
  }
}

void print_load(const haven::bench::FarmLoadReport& report, const haven::bench::FarmLoadSettings& ls) {
  std::printf("\n2. Requests per second (python3 -m http.server on each node; HTTP/1.0, a new connection per\n"
              "   request): %d requests in flight from %zu source addresses for %lld ms.\n\n",
              ls.connections, haven::bench::wide_client_sources().size(), static_cast<long long>(ls.duration.count()));
  std::printf("%-48s %9s %9s %7s   %s\n", "target", "req/s", "answered", "failed", "answers per node");
  for (const auto& row : report.rows) {
    std::string nodes;
    for (const auto& [node, count] : row.load.by_node) nodes += fmt::format("{}{}={}", nodes.empty() ? "" : " ", node, count);
    std::printf("%-48s %9.1f %9ld %7ld   %s\n", row.label.c_str(), row.load.per_second(), row.load.answered,
                row.load.failed, nodes.c_str());
  }
}

void print_spread(const std::vector<haven::bench::BucketSpread>& deals, const haven::bench::FarmLoadReport* report) {
  std::printf("\n3. How the 256 buckets spread over node1, node2, node3 (bucket_deal), and after node3 leaves\n\n");
  std::printf("%-24s %-22s %-18s %s\n", "powers", "buckets node1/2/3", "node3 gone: 1/2", "other buckets moved");
  for (const auto& d : deals) {
    std::string all;
    std::string rest;
    for (auto b : d.buckets) all += (all.empty() ? "" : "/") + std::to_string(b);
    for (auto b : d.without_last) rest += (rest.empty() ? "" : "/") + std::to_string(b);
    std::printf("%-24s %-22s %-18s %zu\n", d.label.c_str(), all.c_str(), rest.c_str(), d.moved_needlessly);
  }
  if (report == nullptr) return;
  const auto& s = report->spread;
  std::printf("\n   Measured, equal powers, all UP: distinct client addresses each node served (of %zu)\n\n", s.clients);
  std::printf("%-8s %10s %10s %10s %12s\n", "node", "buckets", "clients", "share %", "by the hash");
  for (const auto& [node, owned] : s.owned_buckets) {
    const auto it = s.per_node.find(node);
    const std::size_t n = it == s.per_node.end() ? 0 : it->second;
    const auto p = s.predicted.find(node);
    std::printf("%-8s %10d %10zu %10.1f %12zu\n", node.c_str(), owned, n,
                s.clients == 0 ? 0.0 : 100.0 * static_cast<double>(n) / static_cast<double>(s.clients),
                p == s.predicted.end() ? 0 : p->second);
  }
  std::printf("(served by several nodes: %zu, unserved: %zu; \"by the hash\": the addresses whose bucket, computed as\n"
              " nft's jhash does, the deal gives that node)\n",
              s.on_several, s.unserved);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Issue 16: haven's farm against HAProxy as a director, on network namespaces (root)"};
  int rounds = default_rounds();
  std::string only = "all";
  int tuned_slost = 3;
  int tuned_mlost = 3;
  int tuned_pulse = 100;
  haven::bench::GapSettings gap_settings;
  gap_settings.build_dir = default_build_dir();
  haven::bench::FarmLoadSettings load_settings;
  load_settings.build_dir = gap_settings.build_dir;
  long long load_ms = load_settings.duration.count();
  app.add_option("--rounds", rounds, "rounds of each gap series (default: HAVEN_BENCH_ROUNDS, else 3)")
      ->check(CLI::Range(1, 100));
  app.add_option("--only", only, "all, gap, load or deal (deal: the bucket counts alone, no namespace)")
      ->check(CLI::IsMember({"all", "gap", "load", "deal"}));
  app.add_option("--tuned-slost", tuned_slost, "slost_count of the tuned haven series")->check(CLI::Range(1, 1000));
  app.add_option("--tuned-mlost", tuned_mlost, "mlost_count of the tuned haven series")->check(CLI::Range(1, 1000));
  app.add_option("--tuned-pulse", tuned_pulse, "<farm pulse> in ms of the tuned haven series")->check(CLI::Range(20, 10000));
  app.add_option("--load-ms", load_ms, "how long each throughput measurement lasts")->check(CLI::Range(500, 600000));
  app.add_option("--connections", load_settings.connections, "requests in flight during the throughput measurement")
      ->check(CLI::Range(1, 4096));
  CLI11_PARSE(app, argc, argv);
  load_settings.duration = std::chrono::milliseconds(load_ms);
  const bool gap = only == "all" || only == "gap";
  const bool load = only == "all" || only == "load";

  if (gap || load) {
    if (auto st = haven::cluster::netns_available(); !st) {
      std::fprintf(stderr, "bench_farm: %s\n", st.error().message.c_str());
      return 1;
    }
    if (auto st = haven::bench::haproxy_available(); !st) {
      std::fprintf(stderr, "bench_farm: %s\n", st.error().message.c_str());
      return 1;
    }
  }

  bool all_ok = true;
  std::vector<SeriesResult> results;
  if (gap) {
    for (const auto& s : gap_series(tuned_slost, tuned_mlost, tuned_pulse, true)) results.push_back({s, {}, {}});
    for (int round = 1; round <= rounds; ++round)
      for (std::size_t i = 0; i < results.size(); ++i) {
        auto& r = results[i];
        auto measured = haven::bench::measure_gap_round(r.series, gap_settings, fmt::format("bfgap{}", i));
        if (measured) {
          r.rounds.push_back(*measured);
          std::fprintf(stderr, "round %d %-52s %8.1f ms (%s), failed %s %% of %ld\n", round, r.series.label.c_str(),
                       measured->longest_ms, measured->slowest_source.c_str(), percent(measured->failed_share).c_str(),
                       measured->sent);
        } else {
          all_ok = false;
          r.errors.push_back(measured.error().message);
          std::fprintf(stderr, "round %d %-52s FAILED: %s\n", round, r.series.label.c_str(),
                       measured.error().message.c_str());
        }
      }
  }
  std::optional<haven::bench::FarmLoadReport> load_report;
  if (load) {
    auto measured = haven::bench::measure_farm_load(load_settings);
    if (measured) {
      load_report = *measured;
    } else {
      all_ok = false;
      std::fprintf(stderr, "bench_farm: the throughput and spread measurement FAILED: %s\n",
                   measured.error().message.c_str());
    }
  }

  std::printf("bench_farm: %ld CPUs, %s, %s, %s\n", ::sysconf(_SC_NPROCESSORS_ONLN),
              haven::bench::haproxy_version().c_str(), first_line({"python3", "--version"}).c_str(),
              "web server: python3 -m http.server (ThreadingHTTPServer; the GIL keeps it to about one core)");
  if (gap || load) {
    std::vector<haven::bench::BackendServer> servers;
    for (int n = 1; n <= 3; ++n) servers.push_back({"node" + std::to_string(n), "198.51.100." + std::to_string(n)});
    std::printf("\nHAProxy ran on its own host (node4) with this haproxy.cfg (written to a folder /tmp/hvhap.*):\n\n%s",
                haven::bench::haproxy_config("198.51.100.50", servers).c_str());
  }
  if (gap) print_gaps(results, gap_settings);
  if (load_report) print_load(*load_report, load_settings);
  print_spread(haven::bench::issue16_spreads(), load_report ? &*load_report : nullptr);
  if (!all_ok) std::printf("\nSome steps FAILED (the reasons are above, on stderr).\n");
  return all_ok ? 0 : 1;
}
