#include "checks/split_brain_guard.hpp"

#include <mutex>
#include <sstream>

#include <fmt/format.h>

namespace haven::checks {

Result<std::optional<SplitBrainSettings>> split_brain_settings(const config::UserConfig& config,
                                                               std::chrono::milliseconds heartbeat_timeout) {
  if (!config.check) return std::optional<SplitBrainSettings>{};
  for (const auto& checker : config.check->checkers) {
    if (checker.element != "splitbrain") continue;
    const auto where = fmt::format("userconfig.xml line {}: <splitbrain ident=\"{}\">", checker.line, checker.ident);
    if (checker.exec != "ping")
      return fail(Errc::unsupported, where + ": exec=\"" + checker.exec +
                                         "\" is not supported; expected exec=\"ping\" (the witnesses are pinged)");
    SplitBrainSettings s;
    s.ident = checker.ident;
    std::istringstream in(checker.arg);
    for (std::string w; in >> w;) s.witnesses.push_back(w);
    if (s.witnesses.empty())
      return fail(Errc::invalid_argument, where + ": arg names no witness; expected arg=\"WITNESS1 WITNESS2\", "
                                                  "addresses that both nodes can ping");
    s.timeout = std::min(checker.timeout, heartbeat_timeout);
    s.line = checker.line;
    return std::optional<SplitBrainSettings>(std::move(s));
  }
  return std::optional<SplitBrainSettings>{};
}

SplitBrainGuard::SplitBrainGuard(SplitBrainSettings settings) : settings_(std::move(settings)) {}

SplitBrainGuard::Seen SplitBrainGuard::on_peer_update(const PeerView& update, bool peer_was_reachable,
                                                      bool module_running) {
  Seen seen;
  if (update.reachable) {
    if (probing_) {
      ++round_;  // the answer of the round in flight no longer matters
      probing_ = false;
      kept_.reset();
      seen.steps.log.emplace_back(LogLevel::info, "heartbeats with " + update.node +
                                                      " came back while its witnesses were pinged: going on as before");
    }
    if (held_) {
      held_ = false;
      seen.steps.release = true;
      seen.steps.log.emplace_back(LogLevel::info, "heartbeats with " + update.node + " are back: the split-brain "
                                                      "hold (" + std::string(kSplitBrainHold) + ") ends");
    }
    if (!seen.steps.log.empty()) seen.steps.resources = {{resource(), "init"}, {"splitbrain.uptodate", "init"}};
    return seen;
  }
  if (probing_) {
    kept_ = update;  // the newest news goes on once the witnesses have answered
    seen.keep = true;
    return seen;
  }
  if (!module_running || !peer_was_reachable || held_) return seen;
  probing_ = true;
  kept_ = update;
  seen.keep = true;
  seen.ask = ++round_;
  std::string witnesses;
  for (const auto& w : settings_.witnesses) witnesses += (witnesses.empty() ? "" : " ") + w;
  seen.steps.log.emplace_back(LogLevel::warning, "every heartbeat with the peer is lost: pinging the split-brain "
                                                  "witnesses (" + witnesses + ") within " +
                                                  std::to_string(settings_.timeout.count()) +
                                                  " ms before this node may go on alone");
  return seen;
}

SplitBrainSteps SplitBrainGuard::on_witness_answer(std::uint64_t round, const WitnessAnswer& answer) {
  SplitBrainSteps steps;
  if (!probing_ || round != round_) return steps;
  probing_ = false;
  const std::string value = answer.reached ? "up" : "down";
  steps.resources = {{resource(), value}, {"splitbrain.uptodate", value}};
  if (answer.reached) {
    steps.log.emplace_back(LogLevel::info, "split-brain witness reached (" + answer.detail +
                                               "): this node may go on without its peer");
  } else {
    held_ = true;
    steps.hold = true;
    steps.log.emplace_back(LogLevel::error,
                           "no split-brain witness answered (" + answer.detail +
                               "): this node waits (" + kSplitBrainHold +
                               ") instead of going on alone, since the peer may be primary on the other side. It "
                               "goes on by itself when the heartbeats come back; to choose this node anyway, run "
                               "'haven prim -m MODULE' here");
  }
  steps.deliver = std::move(kept_);
  kept_.reset();
  return steps;
}

SplitBrainSteps SplitBrainGuard::release_for_administrator(const std::string& command) {
  SplitBrainSteps steps;
  if (!held_) return steps;
  held_ = false;
  steps.release = true;
  steps.resources = {{resource(), "init"}, {"splitbrain.uptodate", "up"}};
  steps.log.emplace_back(LogLevel::warning, "the administrator's " + command + " ends the split-brain hold (" +
                                             kSplitBrainHold + "): this node goes on without a witness");
  return steps;
}

WitnessProbe::~WitnessProbe() {
  for (auto& job : jobs_) job.thread.join();
}

void WitnessProbe::ask(std::uint64_t round, const std::vector<std::string>& witnesses,
                       std::chrono::milliseconds timeout, Done done) {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->finished->load()) {
      it->thread.join();
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  auto finished = std::make_shared<std::atomic<bool>>(false);
  std::thread thread([pinger = pinger_, round, witnesses, timeout, done = std::move(done), finished] {
    std::mutex mutex;
    WitnessAnswer answer;
    std::vector<std::string> failures;
    std::vector<std::thread> pings;
    for (const auto& witness : witnesses) {
      pings.emplace_back([&, witness] {
        std::string detail;
        const bool ok = pinger(witness, timeout, detail);
        std::lock_guard lock(mutex);
        if (ok && !answer.reached) {
          answer.reached = true;
          answer.detail = witness + ": " + detail;
        } else if (!ok) {
          failures.push_back(witness + ": " + detail);
        }
      });
    }
    for (auto& p : pings) p.join();
    if (!answer.reached)
      for (const auto& f : failures) answer.detail += (answer.detail.empty() ? "" : "; ") + f;
    done(round, answer);
    finished->store(true);
  });
  jobs_.push_back(Job{std::move(thread), std::move(finished)});
}

}  // namespace haven::checks
