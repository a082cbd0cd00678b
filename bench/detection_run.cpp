#include "detection_run.hpp"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <thread>

#include "mirror_pair_nodes.hpp"

namespace haven::bench {
namespace {

using Clock = std::chrono::steady_clock;
using haven::test::MirrorPairNodes;

// Reads what a log file gained since the last call, a whole line at a time.
class LogFollower {
 public:
  explicit LogFollower(std::filesystem::path file) : file_(std::move(file)) {
    std::error_code ec;
    offset_ = std::filesystem::exists(file_, ec) ? std::filesystem::file_size(file_, ec) : 0;
  }

  std::vector<std::string> new_lines() {
    std::ifstream in(file_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    offset_ += chunk.size();
    partial_ += chunk;
    std::vector<std::string> lines;
    for (auto nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n')) {
      lines.push_back(partial_.substr(0, nl));
      partial_.erase(0, nl + 1);
    }
    return lines;
  }

 private:
  std::filesystem::path file_;
  std::uintmax_t offset_ = 0;
  std::string partial_;
};

double ms_since(Clock::time_point start, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - start).count();
}

std::string require_state(MirrorPairNodes& pair, int n, const std::string& state, std::chrono::milliseconds timeout) {
  auto s = pair.wait_for(n, state, "Ready", timeout);
  if (s.value("state", "") != state || s.value("substate", "") != "Ready")
    throw std::runtime_error("node" + std::to_string(n) + " did not reach " + state + " Ready: " + s.dump());
  return s.dump();
}

RunTiming one_kill(MirrorPairNodes& pair, int primary, const Profile& profile) {
  const int secondary = 3 - primary;
  LogFollower log(pair.node(secondary).module_log(MirrorPairNodes::kModule));
  const int agent = pair.agent_pid(primary);
  if (agent <= 0) throw std::runtime_error("node" + std::to_string(primary) + " has no agent to kill");
  const auto killed_at = Clock::now();
  if (::kill(agent, SIGKILL) != 0) throw std::runtime_error("kill -9 of agent " + std::to_string(agent) + " failed");

  RunTiming t;
  t.killed = "node" + std::to_string(primary);
  std::optional<Clock::time_point> lost, takeover, ready;
  const auto deadline = killed_at + std::chrono::milliseconds(3 * profile.timeout_ms) + std::chrono::seconds(30);
  while (!ready) {
    for (const auto& line : log.new_lines()) {
      const auto now = Clock::now();
      if (!lost && line.find("peer lost") != std::string::npos) lost = now;
      if (!takeover && line.find("Action alone called by heart") != std::string::npos) takeover = now;
      if (!ready && line.find("Local state ALONE Ready") != std::string::npos) ready = now;
    }
    if (Clock::now() > deadline)
      throw std::runtime_error("node" + std::to_string(secondary) + " did not report ALONE Ready within " +
                               std::to_string(ms_since(killed_at, deadline)) + " ms of the kill");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  t.lost_ms = lost ? ms_since(killed_at, *lost) : 0;
  t.takeover_ms = takeover ? ms_since(killed_at, *takeover) : 0;
  t.ready_ms = ms_since(killed_at, *ready);

  // The killed node comes back as SECOND of the new primary; the roles alternate.
  auto start = pair.command(primary, "start");
  if (start.exit_code != 0) throw std::runtime_error("haven start on the killed node failed: " + start.describe());
  const auto settle = std::chrono::milliseconds(2 * profile.timeout_ms) + std::chrono::seconds(30);
  require_state(pair, primary, "SECOND", settle);
  require_state(pair, secondary, "PRIM", settle);
  return t;
}

}  // namespace

ProfileResult run_profile(const Profile& profile, int runs, int heart_port,
                          const std::function<void(const RunTiming&)>& on_run) {
  ProfileResult result;
  result.profile = profile;
  try {
    haven::test::MirrorPairSettings settings;
    settings.heart_port = heart_port;
    settings.cluster_port = heart_port + 50;
    settings.pulse = std::to_string(profile.pulse_ms) + "ms";
    settings.timeout = std::to_string(profile.timeout_ms) + "ms";
    MirrorPairNodes pair(settings);
    // node2 waits for node1's silence (one timeout) before it settles in WAIT; then prim.
    auto start = pair.command(2, "start");
    if (start.exit_code != 0) throw std::runtime_error("haven start on node2 failed: " + start.describe());
    auto prim = pair.command(1, "prim");
    if (prim.exit_code != 0) throw std::runtime_error("haven prim on node1 failed: " + prim.describe());
    const auto settle = std::chrono::milliseconds(2 * profile.timeout_ms) + std::chrono::seconds(30);
    require_state(pair, 1, "PRIM", settle);
    require_state(pair, 2, "SECOND", settle);
    int primary = 1;
    for (int run = 1; run <= runs; ++run) {
      auto t = one_kill(pair, primary, profile);
      t.run = run;
      result.runs.push_back(t);
      on_run(t);
      primary = 3 - primary;
    }
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace haven::bench
