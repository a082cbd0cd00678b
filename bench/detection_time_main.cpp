// detection_time: how long a mirror pair takes to notice that its primary's agent died
// (kill -9) and to make the secondary ALONE. Prints each run and min/median/p90/max per
// pulse/timeout profile; --json for machines. See bench/README.md.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "detection_run.hpp"
#include "timing_summary.hpp"

namespace {

using haven::bench::Profile;
using haven::bench::ProfileResult;
using haven::bench::RunTiming;

constexpr int kHeartPortBase = 28990;  // 28990-28992 and +50: apart from the integration tests' ports

void print_summary_line(const char* what, const haven::bench::TimingSummary& s) {
  std::cout << fmt::format("  {:<24} min {:8.1f}  median {:8.1f}  p90 {:8.1f}  max {:8.1f} ms\n", what, s.min_ms,
                           s.median_ms, s.p90_ms, s.max_ms);
}

template <typename Field>
std::vector<double> column(const ProfileResult& r, Field field) {
  std::vector<double> out;
  for (const auto& t : r.runs) out.push_back(t.*field);
  return out;
}

nlohmann::json to_json(const ProfileResult& r) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& t : r.runs)
    runs.push_back({{"run", t.run}, {"killed", t.killed}, {"lost_ms", t.lost_ms}, {"takeover_ms", t.takeover_ms},
                    {"ready_ms", t.ready_ms}});
  nlohmann::json j{{"profile", r.profile.name},
                   {"pulse_ms", r.profile.pulse_ms},
                   {"timeout_ms", r.profile.timeout_ms},
                   {"runs", runs},
                   {"peer_lost", haven::bench::to_json(haven::bench::summarize(column(r, &RunTiming::lost_ms)))},
                   {"takeover", haven::bench::to_json(haven::bench::summarize(column(r, &RunTiming::takeover_ms)))},
                   {"alone_ready", haven::bench::to_json(haven::bench::summarize(column(r, &RunTiming::ready_ms)))}};
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

void set_default_env(const char* name, const char* value) {
  if (std::getenv(name) == nullptr) ::setenv(name, value, 0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"detection_time: kill -9 of a mirror pair's primary agent -> the secondary ALONE, on two havend\n"
               "on 127.0.0.1 / 127.0.0.2. Profiles: fast (pulse 100 ms, timeout 500 ms) and seed (700 ms,\n"
               "30000 ms: about 33 s a run, 20 runs take ~12 minutes)."};
  int runs = 20;
  std::string profile_name = "all";
  int pulse_ms = 0;
  int timeout_ms = 0;
  bool json = false;
  app.add_option("--runs", runs, "Kills per profile")->check(CLI::PositiveNumber)->default_val(20);
  app.add_option("--profile", profile_name, "fast, seed or all")
      ->check(CLI::IsMember({"fast", "seed", "all"}))
      ->default_val("all");
  app.add_option("--pulse", pulse_ms, "A custom profile instead: heartbeat pulse in ms (with --timeout)")
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout", timeout_ms, "A custom profile instead: peer lost after this many ms (with --pulse)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", json, "Print the results as JSON on stdout (progress goes to stderr)");
  CLI11_PARSE(app, argc, argv);
  if ((pulse_ms > 0) != (timeout_ms > 0)) {
    std::cerr << "detection_time: --pulse and --timeout go together (a custom profile needs both)\n";
    return 2;
  }

  set_default_env("HAVEN_BUILD_DIR", HAVEN_BENCH_BUILD_DIR);
  set_default_env("HAVEN_SOURCE_DIR", HAVEN_BENCH_SOURCE_DIR);

  std::vector<Profile> profiles;
  if (pulse_ms > 0) {
    profiles.push_back({"custom", pulse_ms, timeout_ms});
  } else {
    if (profile_name != "seed") profiles.push_back({"fast", 100, 500});
    if (profile_name != "fast") profiles.push_back({"seed", 700, 30000});
  }

  std::ostream& progress = json ? std::cerr : std::cout;
  nlohmann::json all = nlohmann::json::array();
  bool failed = false;
  int port = kHeartPortBase;
  for (const auto& profile : profiles) {
    const double estimate_s = runs * (profile.timeout_ms / 1000.0 + 3.0) + profile.timeout_ms / 1000.0 + 5.0;
    progress << fmt::format("profile {}: pulse {} ms, timeout {} ms, {} runs (about {:.0f} s)\n", profile.name,
                            profile.pulse_ms, profile.timeout_ms, runs, estimate_s)
             << std::flush;
    auto result = haven::bench::run_profile(profile, runs, port++, [&](const RunTiming& t) {
      progress << fmt::format("  run {:>2} (killed {}): peer lost {:8.1f} ms, takeover {:8.1f} ms, ALONE Ready {:8.1f} ms\n",
                              t.run, t.killed, t.lost_ms, t.takeover_ms, t.ready_ms)
               << std::flush;
    });
    if (!result.error.empty()) {
      failed = true;
      std::cerr << "profile " << profile.name << " stopped after " << result.runs.size() << " runs: " << result.error
                << "\n";
    }
    if (!json) {
      std::cout << fmt::format("profile {} (pulse {} ms, timeout {} ms), {} runs, from the kill:\n", profile.name,
                               profile.pulse_ms, profile.timeout_ms, result.runs.size());
      print_summary_line("peer lost", haven::bench::summarize(column(result, &RunTiming::lost_ms)));
      print_summary_line("takeover decided", haven::bench::summarize(column(result, &RunTiming::takeover_ms)));
      print_summary_line("ALONE Ready", haven::bench::summarize(column(result, &RunTiming::ready_ms)));
    }
    all.push_back(to_json(result));
  }
  if (json) std::cout << nlohmann::json{{"benchmark", "detection_time"}, {"profiles", all}}.dump(2) << "\n";
  return failed ? 1 : 0;
}
