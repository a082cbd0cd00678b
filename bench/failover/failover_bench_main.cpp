// haven-bench-failover: how long clients at the VIP go unserved when the primary dies or
// loses its link, for haven (pulse/timeout 100/500 ms) and keepalived (VRRPv3, advert_int
// 0.1 s) in the same namespaces, runs of the four series interleaved. Root only.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "failover_series.hpp"
#include "keepalived_pair.hpp"
#include "netns_cluster.hpp"
#include "timing_summary.hpp"

using haven::bench::Fault;
using haven::bench::Stack;

namespace {

struct Series {
  Stack stack;
  Fault fault;
  std::vector<double> ms;
  std::vector<std::string> errors;
  std::string label() const { return fmt::format("{} / {}", to_string(stack), to_string(fault)); }
};

std::filesystem::path default_build_dir() {
  if (const char* env = std::getenv("HAVEN_BUILD_DIR"); env != nullptr && *env != '\0') return env;
  return HAVEN_BENCH_BUILD_DIR;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Failover time seen by a client at the virtual IP: haven and keepalived on network namespaces"};
  int runs = 20;
  bool json = false;
  std::string only = "both";
  haven::bench::SeriesSettings settings;
  settings.build_dir = default_build_dir();
  app.add_option("--runs", runs, "runs per series (a fresh pair each)")->check(CLI::Range(1, 1000));
  app.add_flag("--json", json, "print the results as JSON on stdout (progress stays on stderr)");
  app.add_option("--only", only, "haven, keepalived or both")->check(CLI::IsMember({"haven", "keepalived", "both"}));
  app.add_option("--pulse", settings.pulse, "haven heartbeat pulse");
  app.add_option("--timeout", settings.timeout, "haven heartbeat timeout");
  app.add_option("--advert-int", settings.advert_int, "keepalived advert_int in seconds (VRRPv3: 0.01 and up)");
  app.add_option("--poll-ms", settings.poll_interval_ms, "the client sends a request this often")->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);

  if (auto st = haven::cluster::netns_available(); !st) {
    std::fprintf(stderr, "haven-bench-failover: %s\n", st.error().message.c_str());
    return 1;
  }
  std::vector<Series> series;
  if (only != "keepalived") {
    series.push_back({Stack::haven, Fault::kill, {}, {}});
    series.push_back({Stack::haven, Fault::cut, {}, {}});
  }
  if (only != "haven") {
    if (auto st = haven::bench::keepalived_available(); !st) {
      std::fprintf(stderr, "haven-bench-failover: %s\n", st.error().message.c_str());
      return 1;
    }
    series.push_back({Stack::keepalived, Fault::kill, {}, {}});
    series.push_back({Stack::keepalived, Fault::cut, {}, {}});
  }

  // Interleaved, so that the load of the machine weighs on every series alike.
  for (int run = 1; run <= runs; ++run) {
    for (auto& s : series) {
      auto ms = haven::bench::measure_failover(s.stack, s.fault, settings);
      if (ms) {
        s.ms.push_back(*ms);
        std::fprintf(stderr, "run %d %-22s %8.1f ms\n", run, s.label().c_str(), *ms);
      } else {
        s.errors.push_back(ms.error().message);
        std::fprintf(stderr, "run %d %-22s FAILED: %s\n", run, s.label().c_str(), ms.error().message.c_str());
      }
    }
  }

  nlohmann::json doc{{"runs", runs},
                     {"haven", {{"pulse", settings.pulse}, {"timeout", settings.timeout}}},
                     {"keepalived", {{"vrrp_version", 3}, {"advert_int_s", settings.advert_int}}},
                     {"poll_interval_ms", settings.poll_interval_ms},
                     {"series", nlohmann::json::array()}};
  bool all_ok = true;
  if (!json)
    std::printf("%-24s %6s %10s %10s %10s %10s %7s\n", "series (fault -> node2 serves)", "runs", "min ms", "median",
                "p90", "max ms", "failed");
  for (const auto& s : series) {
    const auto sum = haven::bench::summarize(s.ms);
    all_ok = all_ok && s.errors.empty();
    if (json) {
      doc["series"].push_back({{"stack", to_string(s.stack)},
                               {"fault", to_string(s.fault)},
                               {"summary", haven::bench::to_json(sum)},
                               {"ms", s.ms},
                               {"errors", s.errors}});
    } else {
      std::printf("%-24s %6zu %10.1f %10.1f %10.1f %10.1f %7zu\n", s.label().c_str(), sum.count, sum.min_ms,
                  sum.median_ms, sum.p90_ms, sum.max_ms, s.errors.size());
    }
  }
  if (json) std::printf("%s\n", doc.dump(2).c_str());
  return all_ok ? 0 : 1;
}
