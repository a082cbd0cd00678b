// A random fault campaign against a mirror pair (in the style of Jepsen and Pacemaker's CTS):
// the acceptance test of issue 13, "Fencing: never acknowledge a write that the surviving
// primary will not have".
//
// Two havend on namespace hosts, heartbeats on lan1 ("default") and lan2 ("lan2", which also
// carries the replication stream: ident="flow"), pulse 100 ms / timeout 500 ms, a <splitbrain>
// witness (client2) and one replicated directory (<rfs async="second">). The module runs two
// writers on its primary, each appending fsync'ed, numbered, fixed-size records to its own
// journal in the replicated directory and logging every record acknowledged (write and fsync
// both returned) in its own "acked" log in the node's $SAFEUSERVAR:
//   - "main": started by start_prim, killed by stop_prim;
//   - "stray": started by start_prim, never stopped by the stop hooks (it keeps its file open
//     after its node stopped being primary, as a badly written application would); start_prim
//     replaces one left on the same node by an earlier term.
// A writer stops at its first I/O error (no retry). Each writer instance has a random token
// written in its records and in its acked log, so a record acknowledged and then lost cannot
// hide behind a later record of the same number.
//
// Each round draws one fault from a seeded RNG (HAVEN_SEED replays the sequence; the timing
// is the machine's): the primary node killed, the secondary node killed, the primary's agent
// killed, the primary's links cut, the secondary's links cut, the replication lan alone cut at
// the primary, `haven stop` then `haven start` of the primary, `swap`, a node restarted
// (havend stopped with SIGTERM, then the node "rebooted"), or two of these in quick
// succession. The test then only does what an init system with boot="on" would: restart
// killed nodes and havend, `haven start` on a node whose module is STOP; never prim/primforce.
// The pair must settle by itself within 60 s (PRIM Ready + SECOND Ready, held for 1 s), and then
// every record acknowledged on either node must be in the primary's journal, numbered 1..N
// without a hole, with the token of the writer that acknowledged it; the SECOND Ready copy must
// hold them too within 10 s (it is the one that takes over at the next fault). A poller samples
// both nodes' states every 50 ms and flags two primaries at once outside a link cut (and a
// grace of 2.5 s, five heartbeat timeouts, after the cable is plugged back). At the end the
// writers are killed, both nodes' journals must hold every acknowledged record and
// `haven rfsverify` on the primary must report equal directories.
//
// Per fault kind the summary gives the settle time (from the test's last intervention: a cable
// plugged back, a node booted, a `start`, to the first poll of the settled pair) and the
// longest time in the round with no node primary and Ready. A failure names the round, the
// fault, the seed and what was lost (first and last records, which writer acknowledged them
// and when, on the campaign's clock); a failure of the test's own machinery (a link that does
// not come back, a process alive after kill -9) says "HARNESS problem, not the product's".
//
// HAVEN_CAMPAIGN_ROUNDS (default 8), HAVEN_SEED, HAVEN_CAMPAIGN_REPORT (a JSON summary is
// written there). When a round fails, both nodes' logs, writer logs, acked logs, journals and
// the campaign's timeline are kept in /tmp/hvcampaign-logs-<seed>/. Root, network namespaces
// and /dev/fuse are needed; without them the test WARNs "SKIPPED" and passes.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cluster_layout.hpp"
#include "command_runner.hpp"
#include "common/haven_paths.hpp"
#include "failover_pair.hpp"
#include "test_module.hpp"

using namespace std::chrono_literals;
using haven::netns_failover::Clock;
using haven::netns_failover::FailoverPair;
using haven::netns_failover::NodeState;
using haven::netns_failover::PairModule;
using haven::netns_failover::PairSpec;
namespace fs = std::filesystem;
using ms = std::chrono::milliseconds;

namespace {

constexpr const char* kModule = "campaign";
constexpr const char* kClusterName = "focamp";
constexpr std::size_t kRecordSize = 32;
constexpr std::array<const char*, 2> kWriters = {"main", "stray"};
constexpr auto kSettleTimeout = 60s;
constexpr auto kSettledFor = 1s;        // PRIM Ready + SECOND Ready seen without a break this long
constexpr auto kCutGrace = 2500ms;      // five heartbeat timeouts after a cable is plugged back
constexpr auto kProgressTimeout = 10s;  // a writer on a settled primary must acknowledge records
constexpr auto kPollEvery = 50ms;

// ---------------------------------------------------------------------------------------------
// The application.

// writer.py DATA NAME ACKED NODE: continues DATA/NAME.journal after its last whole record
// (a torn last record is cut off first), appends one 32-byte record, fsyncs, then logs
// "<number> <token> <unix time>" in ACKED; stops at the first error.
constexpr const char* kWriterPy = R"(import os, sys, time
data, name, acked, node = sys.argv[1:5]
RECORD = 32
journal = os.path.join(data, name + ".journal")
token = os.urandom(4).hex()
def log(msg):
    sys.stdout.write("%s %s writer %s pid %d on %s: %s\n" % (time.strftime("%H:%M:%S"), name, token, os.getpid(), node, msg))
    sys.stdout.flush()
n = 0
try:
    fd = os.open(journal, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    size = os.fstat(fd).st_size
    whole = size // RECORD
    if whole:
        last = os.pread(fd, RECORD, (whole - 1) * RECORD)
        if len(last) != RECORD or last[-1:] != b"\n" or not last[:10].isdigit():
            log("the journal's last whole record is malformed: %r" % last)
            sys.exit(2)
        n = int(last[:10])
        if n != whole:
            log("the journal's last whole record is number %d but it is record %d of the file" % (n, whole))
            sys.exit(2)
    if size != whole * RECORD:
        os.ftruncate(fd, whole * RECORD)
        os.fsync(fd)
        log("cut a torn last record: %d bytes -> %d" % (size, whole * RECORD))
    ack = os.open(acked, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
except OSError as e:
    log("cannot open the journal: %s" % e)
    sys.exit(1)
log("starts after record %d" % n)
try:
    while True:
        n += 1
        record = ("%010d %s %s" % (n, node, token)).ljust(RECORD - 1).encode() + b"\n"
        written = os.write(fd, record)
        if written != RECORD:
            log("short write of record %d: %d bytes; exiting" % (n, written))
            sys.exit(1)
        os.fsync(fd)
        os.write(ack, b"%d %s %.3f\n" % (n, token.encode(), time.time()))
        time.sleep(0.004)
except OSError as e:
    log("record %d: %s; exiting" % (n, e))
    sys.exit(1)
)";

// writers.sh VAR DATA NODE ACTION: the hooks' (and the test's) handle on the two writers.
constexpr const char* kWritersSh = R"(# writers.sh VAR DATA NODE ACTION
#   start          start_prim: kill the writers an earlier term left here, start both
#   stop-main      stop_prim: kill the main writer; the stray one keeps running
#   start-missing  the test, on a settled primary: start the writers that are not running
#   kill-all       the test, at the end: kill both
var=$1 data=$2 node=$3 action=$4
bin=$(dirname "$0")
pid_of() {
  p=$(cat "$var/$1.pid" 2>/dev/null) || return 1
  [ -n "$p" ] && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$var/$1.acked" && echo "$p"
}
kill_writer() {
  p=$(pid_of "$1") || return 0
  kill -KILL "$p"
  i=0
  while [ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1))
  done
  echo "killed $1 $p"
}
start_writer() {
  setsid /usr/bin/python3 "$bin/writer.py" "$data" "$1" "$var/$1.acked" "$node" >>"$var/$1.log" 2>&1 </dev/null &
  echo $! >"$var/$1.pid"
  echo "started $1 $!"
}
case "$action" in
  start) kill_writer main; kill_writer stray; start_writer main; start_writer stray ;;
  stop-main) kill_writer main ;;
  start-missing) for w in main stray; do pid_of $w >/dev/null || start_writer $w; done ;;
  kill-all) kill_writer main; kill_writer stray ;;
  *) echo "writers.sh: unknown action $action" >&2; exit 2 ;;
esac
exit 0
)";

std::string writers_call(const std::string& action) {
  return "do\n"
         "  local e = haven.env\n"
         "  local r = haven.exec{ \"/bin/sh\", e.SAFEUSERBIN .. \"/writers.sh\", e.SAFEUSERVAR, e.PAIR_DATA,\n"
         "                        e.HAVEN_NODE or \"?\", \"" + action + "\", timeout = 20 }\n"
         "  if r.code ~= 0 then haven.printe(\"writers.sh " + action + " exited with \" .. r.code); os.exit(1) end\n"
         "end\n";
}

PairModule campaign_module(const std::string& witness) {
  auto bin =
      haven::test::recording_hooks({{"start_prim", writers_call("start")}, {"stop_prim", writers_call("stop-main")}});
  bin["writer.py"] = kWriterPy;
  bin["writers.sh"] = kWritersSh;
  const std::string userconfig =
      "<!DOCTYPE safe>\n"
      "<safe>\n"
      "  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"1000\" loop_interval=\"24h\" failover=\"on\">\n"
      "    <heart pulse=\"100ms\" timeout=\"500ms\">\n"
      "      <heartbeat name=\"default\"/><heartbeat name=\"lan2\" ident=\"flow\"/>\n"
      "    </heart>\n"
      "    <rfs async=\"second\"><replicated dir=\"%PAIR_DATA%\" mode=\"read_only\"/></rfs>\n"
      "    <failover period=\"100ms\" handle_time=\"300ms\"/>\n"
      "    <check><splitbrain ident=\"witness\" exec=\"ping\" arg=\"" + witness + "\" timeout=\"400ms\"/></check>\n"
      "    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"><var name=\"PAIR_DATA\" value=\"%PAIR_DATA%\"/></user>\n"
      "  </service>\n"
      "</safe>\n";
  return PairModule{kModule, {userconfig, bin}};
}

// ---------------------------------------------------------------------------------------------
// Journals and acknowledgements.

struct Record {
  std::uint64_t number = 0;
  std::string node;
  std::string token;
};

struct Journal {
  std::vector<Record> records;
  std::string error;   // unreadable, malformed record or a number out of sequence (with no tail after it)
  std::size_t torn = 0;  // bytes of a last, partial record
};

// Read by a `cat` with a deadline: on the primary the file is behind a FUSE mount, and a hung
// mount must fail the round, not hang the test.
Journal read_journal(const fs::path& file) {
  Journal j;
  const auto out = haven::cluster::run_command({"cat", file.string()}, 30s);
  if (out.timed_out) {
    j.error = "reading " + file.string() + " did not end within 30 s (a hung mount?)";
    return j;
  }
  if (out.exit_code != 0) {
    j.error = "cannot read " + file.string() + ": " + out.err;
    return j;
  }
  const std::string& bytes = out.out;
  std::size_t at = 0;
  for (; at + kRecordSize <= bytes.size(); at += kRecordSize) {
    const std::string rec = bytes.substr(at, kRecordSize);
    std::istringstream fields(rec);
    Record r;
    std::string number;
    fields >> number >> r.node >> r.token;
    const bool digits = number.size() == 10 && std::all_of(number.begin(), number.end(), [](unsigned char c) {
                          return c >= '0' && c <= '9';
                        });
    if (rec.back() != '\n' || !digits || r.token.size() != 8) {
      j.error = "record " + std::to_string(j.records.size() + 1) + " (byte " + std::to_string(at) +
                ") is malformed: \"" + rec.substr(0, kRecordSize - 1) + "\"";
      return j;
    }
    r.number = std::stoull(number);
    if (r.number != j.records.size() + 1) {
      j.error = "record " + std::to_string(j.records.size() + 1) + " carries number " + std::to_string(r.number) +
                " (written by " + r.node + " " + r.token + "): a hole or a record out of order";
      return j;
    }
    j.records.push_back(std::move(r));
  }
  j.torn = bytes.size() - at;
  return j;
}

struct Ack {
  std::uint64_t number = 0;
  std::string token;
  int node = 0;    // whose acked log
  double at = 0;   // when the writer logged it (Unix time, s)
};

// Whole lines only: a line being written is not an acknowledgement yet.
std::vector<Ack> read_acks(const fs::path& file, int node) {
  std::vector<Ack> out;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;
    std::istringstream fields(line);
    Ack a;
    a.node = node;
    if (fields >> a.number >> a.token) {
      fields >> a.at;
      out.push_back(std::move(a));
    }
  }
  return out;
}

struct Loss {
  std::size_t lost = 0;
  std::string detail;  // empty when nothing is lost and the journal is sound
};

// Every acknowledged record must be in the journal: same number, same writer instance.
// `wall_t0` (Unix time of the campaign's start) puts the acknowledgements on the timeline.
Loss compare(const Journal& journal, const std::vector<Ack>& acks, const std::string& where, double wall_t0 = 0) {
  Loss loss;
  std::vector<const Ack*> missing;
  std::uint64_t max_acked = 0;
  for (const auto& a : acks) {
    max_acked = std::max(max_acked, a.number);
    const bool there = a.number >= 1 && a.number <= journal.records.size() &&
                       journal.records[a.number - 1].token == a.token;
    if (!there) missing.push_back(&a);
  }
  loss.lost = missing.size();
  if (loss.lost == 0 && journal.error.empty()) return loss;
  loss.detail = where + ": " + std::to_string(journal.records.size()) + " sound records (torn tail " +
                std::to_string(journal.torn) + " bytes), " + std::to_string(acks.size()) + " acknowledged (highest " +
                std::to_string(max_acked) + "), " + std::to_string(loss.lost) + " acknowledged records missing";
  if (!journal.error.empty()) loss.detail += "; the journal is damaged: " + journal.error;
  // The first three and the last two: where the loss starts and ends, and when.
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (i >= 3 && i + 2 < missing.size()) {
      if (i == 3) loss.detail += "\n    ...";
      continue;
    }
    const Ack& a = *missing[i];
    char at[64] = "";
    if (a.at > 0 && wall_t0 > 0) std::snprintf(at, sizeof at, " at %.3f s", a.at - wall_t0);
    loss.detail += "\n    record " + std::to_string(a.number) + " acknowledged by writer " + a.token + " on node" +
                   std::to_string(a.node) + at + ": ";
    if (a.number > journal.records.size())
      loss.detail += "beyond the journal's end";
    else {
      const auto& r = journal.records[a.number - 1];
      loss.detail += "the journal has it from writer " + r.token + " on " + r.node + " instead";
    }
  }
  return loss;
}

// ---------------------------------------------------------------------------------------------
// Processes, seen from the test's namespace (same pid namespace as the hosts).

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::replace(s.begin(), s.end(), '\0', ' ');
  return s;
}

// Ended: no such process, or a zombie not yet reaped.
bool process_ended(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return true;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("State:", 0) == 0) return line.find('Z') != std::string::npos || line.find('X') != std::string::npos;
  return true;
}

std::vector<pid_t> namespace_pids(const std::string& netns) {
  auto out = haven::cluster::run_command({haven::cluster::ip_program(), "netns", "pids", netns}, 5s);
  std::vector<pid_t> pids;
  std::istringstream in(out.out);
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}

std::string file_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last `lines` lines of `text`.
std::string tail_lines(const std::string& text, std::size_t lines) {
  if (text.empty() || lines == 0) return {};
  std::size_t at = text.size() - (text.back() == '\n' ? 1 : 0);
  for (std::size_t seen = 0; at > 0; --at)
    if (text[at - 1] == '\n' && ++seen == lines) break;
  return text.substr(at);
}

// ---------------------------------------------------------------------------------------------
// The campaign's own record of what happened, with times from its start.

class Timeline {
 public:
  explicit Timeline(Clock::time_point t0)
      : t0_(t0),
        wall_t0_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
                 std::chrono::duration<double>(Clock::now() - t0).count()) {}
  /// The Unix time of t0, to put the writers' wall-clock stamps on the timeline.
  double wall_t0() const { return wall_t0_; }
  void note(const std::string& what) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%9.3f ", std::chrono::duration<double>(Clock::now() - t0_).count());
    std::lock_guard lock(mu_);
    lines_.push_back(stamp + what);
    std::fprintf(stderr, "campaign %s%s\n", stamp, what.c_str());
  }
  std::string text(std::size_t last = 0) const {
    std::lock_guard lock(mu_);
    std::string out;
    for (std::size_t i = last && lines_.size() > last ? lines_.size() - last : 0; i < lines_.size(); ++i)
      out += lines_[i] + "\n";
    return out;
  }
  double since_start(Clock::time_point t) const { return std::chrono::duration<double>(t - t0_).count(); }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return lines_.size();
  }
  /// The lines from line `from` on (at most the last `last`).
  std::string text_from(std::size_t from, std::size_t last) const {
    std::lock_guard lock(mu_);
    std::string out;
    for (std::size_t i = std::max(from, lines_.size() > last ? lines_.size() - last : 0); i < lines_.size(); ++i)
      out += lines_[i] + "\n";
    return out;
  }

 private:
  Clock::time_point t0_;
  double wall_t0_;
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// ---------------------------------------------------------------------------------------------
// Both nodes' states, sampled one after the other every 50 ms.

struct Sample {
  Clock::time_point start, end;
  int node = 0;
  std::string state, substate;
  long long generation = -1;
  long long pid = -1;
  bool primary() const { return state == "PRIM" || state == "ALONE"; }
};

class StatePoller {
 public:
  StatePoller(FailoverPair& pair, Timeline& timeline) : pair_(pair), timeline_(timeline) {
    thread_ = std::thread([this] { run(); });
  }
  ~StatePoller() { stop(); }
  StatePoller(const StatePoller&) = delete;
  StatePoller& operator=(const StatePoller&) = delete;
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Sample> take() {
    std::lock_guard lock(mu_);
    return std::exchange(samples_, {});
  }
  // Stops sampling node n (its `haven state` commands run inside the node's namespace, where a
  // node kill must find nothing new) and returns once no sample of it is under way.
  void pause(int n) {
    paused_[static_cast<std::size_t>(n - 1)] = true;
    std::lock_guard wait_for_sample(sampling_);
  }
  void resume(int n) { paused_[static_cast<std::size_t>(n - 1)] = false; }

 private:
  void run() {
    std::array<std::string, 2> last;
    while (!stop_) {
      const auto cycle = Clock::now();
      for (int n = 1; n <= 2 && !stop_; ++n) {
        Sample s;
        s.node = n;
        std::unique_lock sampling(sampling_);
        if (paused_[static_cast<std::size_t>(n - 1)]) continue;
        s.start = Clock::now();
        const auto st = pair_.state(n);
        s.end = Clock::now();
        sampling.unlock();
        s.state = st.state;
        s.substate = st.substate;
        if (st.raw.is_object()) {
          if (auto g = st.raw.find("generation"); g != st.raw.end() && g->is_number_integer())
            s.generation = g->get<long long>();
          if (auto p = st.raw.find("pid"); p != st.raw.end() && p->is_number_integer()) s.pid = p->get<long long>();
        }
        const auto seen =
            st.describe() + (st.raw.is_object() && st.raw.contains("reason") && st.raw["reason"].is_string() &&
                                     !st.raw["reason"].get<std::string>().empty()
                                 ? " (" + st.raw["reason"].get<std::string>() + ")"
                                 : std::string());
        if (seen != last[n - 1]) {
          last[n - 1] = seen;
          timeline_.note("  node" + std::to_string(n) + " is " + seen + " (gen " + std::to_string(s.generation) + ")");
        }
        std::lock_guard lock(mu_);
        samples_.push_back(std::move(s));
      }
      const auto next = cycle + kPollEvery;
      if (Clock::now() < next) std::this_thread::sleep_until(next);
    }
  }

  FailoverPair& pair_;
  Timeline& timeline_;
  std::atomic<bool> stop_{false};
  std::array<std::atomic<bool>, 2> paused_{};
  std::mutex sampling_;  // held while a sample is taken
  std::mutex mu_;
  std::vector<Sample> samples_;
  std::thread thread_;
};

struct Window {
  Clock::time_point from;
  Clock::time_point to = Clock::time_point::max();
  std::string why;
};

// Two primaries at once: a sample of one node primary between two samples of the other node,
// both primary in the same term (same generation, same agent), outside every allowed window.
// Consecutive findings are merged into one stretch, described by its first and last samples.
std::vector<std::string> two_primaries(const std::vector<Sample>& s, const std::vector<Window>& allowed,
                                       const Timeline& timeline) {
  std::vector<std::string> found;
  std::optional<std::size_t> first;  // the middle sample of the stretch's first finding
  std::size_t last = 0;
  const auto describe = [&](const Sample& x) {
    char out[96];
    std::snprintf(out, sizeof out, "node%d %s %s (gen %lld)", x.node, x.state.c_str(), x.substate.c_str(),
                  x.generation);
    return std::string(out);
  };
  const auto close = [&] {
    if (!first) return;
    const auto& a = s[*first - 1];
    const auto& b = s[*first];
    const auto& z = s[last + 1];
    char line[320];
    std::snprintf(line, sizeof line,
                  "two primaries at once from %.3f s to %.3f s (%zu samples, none in a link cut's window): %s and %s; "
                  "at the end %s and %s",
                  timeline.since_start(a.start), timeline.since_start(z.end), last - *first + 3, describe(a).c_str(),
                  describe(b).c_str(), describe(s[last]).c_str(), describe(z).c_str());
    found.push_back(line);
    first.reset();
  };
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const auto &a = s[i - 1], &b = s[i], &c = s[i + 1];
    bool both = a.node == c.node && a.node != b.node && a.primary() && b.primary() && c.primary() &&
                a.generation == c.generation && a.pid == c.pid;
    if (both)
      both = std::none_of(allowed.begin(), allowed.end(),
                          [&](const Window& w) { return a.start < w.to && c.end > w.from; });
    if (both) {
      if (!first) first = i;
      last = i;
    } else {
      close();
    }
  }
  close();
  return found;
}

// When the pair's final, settled state began, from the poller's samples: the earliest sample
// from which on each node showed it without a break (the primary in the same term).
std::optional<Clock::time_point> settled_since(const std::vector<Sample>& s, int primary, long long generation) {
  std::optional<Clock::time_point> since;
  for (int n = 1; n <= 2; ++n) {
    std::optional<Clock::time_point> node_since;
    for (auto it = s.rbegin(); it != s.rend(); ++it) {
      if (it->node != n) continue;
      const bool ok = n == primary ? it->state == "PRIM" && it->substate == "Ready" && it->generation == generation
                                   : it->state == "SECOND" && it->substate == "Ready";
      if (!ok) break;
      node_since = it->start;
    }
    if (!node_since) return std::nullopt;
    since = since ? std::max(*since, *node_since) : *node_since;
  }
  return since;
}

// The longest stretch of a round with no node primary and Ready (the application not served),
// in seconds, from the poller's samples.
double longest_without_primary(const std::vector<Sample>& s) {
  std::array<bool, 2> ready{false, false}, seen{false, false};
  std::optional<Clock::time_point> gap;
  double longest = 0;
  for (const auto& x : s) {
    const auto i = static_cast<std::size_t>(x.node - 1);
    ready[i] = x.primary() && x.substate == "Ready";
    seen[i] = true;
    if (!seen[0] || !seen[1]) continue;
    if (!ready[0] && !ready[1]) {
      if (!gap) gap = x.start;
    } else if (gap) {
      longest = std::max(longest, std::chrono::duration<double>(x.start - *gap).count());
      gap.reset();
    }
  }
  if (gap && !s.empty()) longest = std::max(longest, std::chrono::duration<double>(s.back().end - *gap).count());
  return longest;
}

// ---------------------------------------------------------------------------------------------
// Faults.

enum class Kind {
  kill_primary_node,
  kill_secondary_node,
  kill_primary_agent,
  cut_primary_links,
  cut_secondary_links,
  cut_replication_lan,
  stop_start_primary,
  swap,
  restart_node,
  double_fault,
};
constexpr std::array<Kind, 9> kSingles = {
    Kind::kill_primary_node,   Kind::kill_secondary_node, Kind::kill_primary_agent, Kind::cut_primary_links,
    Kind::cut_secondary_links, Kind::cut_replication_lan, Kind::stop_start_primary, Kind::swap,
    Kind::restart_node};

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kill_primary_node: return "kill_primary_node";
    case Kind::kill_secondary_node: return "kill_secondary_node";
    case Kind::kill_primary_agent: return "kill_primary_agent";
    case Kind::cut_primary_links: return "cut_primary_links";
    case Kind::cut_secondary_links: return "cut_secondary_links";
    case Kind::cut_replication_lan: return "cut_replication_lan";
    case Kind::stop_start_primary: return "stop_start_primary";
    case Kind::swap: return "swap";
    case Kind::restart_node: return "restart_node";
    case Kind::double_fault: return "double";
  }
  return "?";
}

// One fault of a round, its target fixed by role when the round starts.
struct Action {
  Kind kind = Kind::swap;
  int node = 1;    // the node it hits
  ms hold{0};      // how long the cut lasts, or the node stays dead / stopped
  bool skipped = false;
  std::string skip_reason;
  pid_t havend = 0;          // restart_node: the havend asked to stop
  std::size_t window = SIZE_MAX;
  int lan = 0;               // cuts: 0 = every lan
  std::string describe() const {
    std::string s = std::string(kind_name(kind)) + " (node" + std::to_string(node);
    if (hold.count() > 0) s += ", " + std::to_string(hold.count()) + " ms";
    s += ")";
    if (skipped) s += " skipped: " + skip_reason;
    return s;
  }
};

struct Plan {
  Kind kind = Kind::swap;
  std::vector<Action> actions;  // one, or two for a double fault
  ms gap{0};                    // between the two faults of a double
  ms run_before{0};             // the writers run this long before the fault
  std::string describe() const {
    std::string s = kind_name(kind);
    if (kind == Kind::double_fault) {
      s += ": " + actions[0].describe() + " then, " + std::to_string(gap.count()) + " ms later, " +
           actions[1].describe();
    } else {
      s = actions[0].describe();
    }
    return s;
  }
};

// Every draw is made whatever the round turns out to need, so a seed gives one sequence.
Plan draw_plan(std::mt19937& rng, int primary) {
  auto pick = std::uniform_int_distribution<int>(0, static_cast<int>(kSingles.size()));  // last: double
  auto pick_single = std::uniform_int_distribution<int>(0, static_cast<int>(kSingles.size()) - 1);
  auto hold = std::uniform_int_distribution<int>(300, 3000);
  auto gap = std::uniform_int_distribution<int>(0, 500);
  auto before = std::uniform_int_distribution<int>(200, 1500);
  auto coin = std::bernoulli_distribution(0.5);
  const int first = pick(rng);
  const int second_a = pick_single(rng);
  const int second_b = pick_single(rng);
  const ms holds[2] = {ms(hold(rng)), ms(hold(rng))};
  const bool restart_primary[2] = {coin(rng), coin(rng)};
  Plan plan;
  plan.gap = ms(gap(rng));
  plan.run_before = ms(before(rng));
  std::vector<Kind> kinds;
  if (first == static_cast<int>(kSingles.size())) {
    plan.kind = Kind::double_fault;
    kinds = {kSingles[static_cast<std::size_t>(second_a)], kSingles[static_cast<std::size_t>(second_b)]};
    if (kinds[1] == kinds[0]) kinds[1] = kSingles[(static_cast<std::size_t>(second_b) + 1) % kSingles.size()];
  } else {
    plan.kind = kSingles[static_cast<std::size_t>(first)];
    kinds = {plan.kind};
  }
  const int secondary = 3 - primary;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    Action a;
    a.kind = kinds[i];
    a.hold = holds[i];
    switch (a.kind) {
      case Kind::kill_secondary_node:
      case Kind::cut_secondary_links: a.node = secondary; break;
      case Kind::restart_node: a.node = restart_primary[i] ? primary : secondary; break;
      default: a.node = primary;
    }
    if (a.kind == Kind::cut_replication_lan) a.lan = 2;
    if (a.kind == Kind::kill_primary_agent || a.kind == Kind::swap) a.hold = ms(0);
    if (a.kind == Kind::stop_start_primary) a.hold = a.hold / 2;  // after STOP: 150-1500 ms
    plan.actions.push_back(a);
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// The summary.

struct Stats {
  unsigned seed = 0;
  int rounds_asked = 0;
  int rounds_run = 0;
  std::map<std::string, int> faults;
  std::map<std::string, std::vector<double>> settle_s;  // per fault kind
  std::map<std::string, std::vector<double>> no_primary_s;  // per fault kind: longest time without a primary Ready
  std::map<std::string, std::size_t> acked;             // per writer, both nodes
  std::size_t lost = 0;
  int writer_restarts = 0;
  std::vector<std::string> writer_exits;  // why writers on a primary had ended
  int skipped_actions = 0;
  bool stopped_by_deadline = false;
  nlohmann::json rounds = nlohmann::json::array();  // one object per round run
  std::string result = "running";
  std::string failure;
  double seconds = 0;
  bool written = false;

  static std::pair<double, double> median_max(std::vector<double> v) {
    if (v.empty()) return {0, 0};
    std::sort(v.begin(), v.end());
    const double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    return {median, v.back()};
  }

  nlohmann::json json() const {
    nlohmann::json j{{"seed", seed},
                     {"rounds_asked", rounds_asked},
                     {"rounds_run", rounds_run},
                     {"faults", faults},
                     {"records_acknowledged", acked},
                     {"records_lost", lost},
                     {"writer_restarts", writer_restarts},
                     {"writer_exits", writer_exits},
                     {"skipped_actions", skipped_actions},
                     {"stopped_by_deadline", stopped_by_deadline},
                     {"result", result},
                     {"rounds", rounds},
                     {"seconds", seconds}};
    nlohmann::json settle = nlohmann::json::object();
    for (const auto& [kind, v] : settle_s) {
      const auto [median, max] = median_max(v);
      settle[kind] = {{"count", v.size()}, {"median_s", median}, {"max_s", max}};
    }
    j["settle"] = settle;
    nlohmann::json gaps = nlohmann::json::object();
    for (const auto& [kind, v] : no_primary_s) {
      const auto [median, max] = median_max(v);
      gaps[kind] = {{"count", v.size()}, {"median_s", median}, {"max_s", max}};
    }
    j["no_primary"] = gaps;
    if (!failure.empty()) j["failure"] = failure;
    return j;
  }

  std::string text() const {
    std::ostringstream o;
    o << "fault campaign (HAVEN_SEED=" << seed << "): " << result << ", " << rounds_run << " of " << rounds_asked
      << " rounds in " << static_cast<int>(seconds) << " s" << (stopped_by_deadline ? " (stopped by the deadline)" : "")
      << "\n  faults:";
    for (const auto& [kind, n] : faults) o << " " << kind << "=" << n;
    o << "\n  records acknowledged:";
    for (const auto& [w, n] : acked) o << " " << w << "=" << n;
    o << ", lost: " << lost << "\n  writer restarts on a settled primary: " << writer_restarts
      << ", actions skipped (their node was down): " << skipped_actions
      << "\n  per fault: settle time after the recovery, and longest time with no primary Ready (median / max):";
    for (const auto& [kind, v] : settle_s) {
      const auto [median, max] = median_max(v);
      const auto gaps = no_primary_s.find(kind);
      const auto [gap_median, gap_max] = median_max(gaps == no_primary_s.end() ? std::vector<double>{} : gaps->second);
      char line[160];
      std::snprintf(line, sizeof line, "\n    %-20s %2zu x  settle %6.2f s / %6.2f s   no primary %6.2f s / %6.2f s",
                    kind.c_str(), v.size(), median, max, gap_median, gap_max);
      o << line;
    }
    for (const auto& e : writer_exits) o << "\n  writer ended: " << e;
    if (!failure.empty()) o << "\n  FAILED: " << failure.substr(0, 1200);
    return o.str();
  }

  void write_report() {
    if (written) return;
    written = true;
    const char* path = std::getenv("HAVEN_CAMPAIGN_REPORT");
    if (path == nullptr || *path == '\0') return;
    std::ofstream(path) << json().dump(2) << "\n";
  }
};

int rounds_asked() {
  const char* v = std::getenv("HAVEN_CAMPAIGN_ROUNDS");
  return v ? std::max(1, std::atoi(v)) : 8;
}

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout, std::chrono::milliseconds every = 50ms) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
  return true;
}

struct Scratch {
  fs::path dir;
  Scratch() {
    std::string tmpl = "/tmp/hvcamp.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a scratch folder under /tmp");
    dir = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// ---------------------------------------------------------------------------------------------
// The campaign.

// A failure of the test's own machinery (a link that does not come back, a process that
// survives kill -9...), not of the product: said so, and recorded in the summary.
#define HARNESS_FAIL(who, stream)                                          \
  do {                                                                     \
    std::ostringstream harness_message_;                                   \
    harness_message_ << "HARNESS problem, not the product's: " << stream;  \
    (who).harness_failed(harness_message_.str());                          \
  } while (0)

class Campaign {
 public:
  Campaign(FailoverPair& pair, Stats& stats, Timeline& timeline, const fs::path& scratch, std::array<fs::path, 2> data)
      : pair_(pair), stats_(stats), timeline_(timeline), scratch_(scratch), data_(std::move(data)) {}
  void set_poller(StatePoller* poller) { poller_ = poller; }

  fs::path var(int n) const { return haven::HavenPaths::under(pair_.root(n)).module_var_dir(kModule); }
  const fs::path& data(int n) const { return data_[static_cast<std::size_t>(n - 1)]; }
  std::string node(int n) const { return FailoverPair::node_name(n); }
  std::vector<Window>& windows() { return windows_; }
  std::vector<std::string>& problems() { return problems_; }
  bool dead(int n) const { return dead_[static_cast<std::size_t>(n - 1)]; }

  // `haven ARGS -m campaign` on node n, noted in the timeline.
  haven::cluster::CommandOutput command(int n, std::vector<std::string> args, ms timeout = 20s) {
    args.insert(args.end(), {"-m", kModule});
    auto r = pair_.haven(n, args, timeout);
    std::string said = r.out + r.err;
    std::replace(said.begin(), said.end(), '\n', ' ');
    timeline_.note("node" + std::to_string(n) + ": haven " + args[0] + (args.size() > 3 ? " " + args[1] : "") +
                   " -> exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") + ": " +
                   said.substr(0, 240));
    return r;
  }

  // The writers' script run by the test in node n's namespace (the module's copy is the same).
  haven::cluster::CommandOutput writers(int n, const std::string& action) {
    auto r = pair_.cluster().run(
        node(n), {"/bin/sh", (scratch_ / "writers.sh").string(), var(n).string(), data(n).string(), node(n), action},
        30s);
    if (!r) HARNESS_FAIL(*this, "writers.sh " << action << " on node" << n << ": " << r.error().message);
    return *r;
  }

  // ---- links

  void verify_carrier(int n, int lan, bool up) {
    std::vector<std::string> ifaces;
    for (int l = 1; l <= 2; ++l)
      if (lan == 0 || lan == l) ifaces.push_back(l == 1 ? "eth0" : "eth1");
    for (const auto& iface : ifaces) {
      std::string seen;
      const bool ok = eventually(
          [&] {
            auto r = pair_.cluster().run(node(n), {"cat", "/sys/class/net/" + iface + "/carrier"}, 5s);
            seen = r ? r->out + r->err : r.error().message;
            return r && r->out.rfind(up ? "1" : "0", 0) == 0;
          },
          5s, 100ms);
      if (!ok)
        HARNESS_FAIL(*this, "node" << n << " " << iface << " carrier is not " << (up ? "up" : "down") << " after "
                                   << (up ? "restoring" : "cutting") << " its link: " << seen);
    }
  }

  void cut(Action& a) {
    a.window = windows_.size();
    windows_.push_back(Window{Clock::now(), Clock::time_point::max(), a.describe()});
    timeline_.note("cut node" + std::to_string(a.node) + (a.lan == 0 ? " every lan" : " lan" + std::to_string(a.lan)));
    if (auto st = pair_.cluster().cut_link(node(a.node), a.lan); !st) HARNESS_FAIL(*this, st.error().message);
    verify_carrier(a.node, a.lan, false);
  }

  void restore(Action& a) {
    // A dead node's kernel may still hold frames its programs queued before they died: a crashed
    // machine sends nothing more, so they are dropped (the interface taken down and up, its
    // IPv6 addresses kept) before the cable is plugged back.
    if (dead(a.node)) {
      std::string script;
      for (int l = 1; l <= 2; ++l)
        if (a.lan == 0 || a.lan == l) {
          const std::string iface = l == 1 ? "eth0" : "eth1";
          script += "sysctl -qw net.ipv6.conf." + iface + ".keep_addr_on_down=1; ip link set " + iface +
                    " down && ip link set " + iface + " up && ";
        }
      script += "true";
      auto r = pair_.cluster().run(node(a.node), {"sh", "-c", script}, 10s);
      if (!r || !r->ok())
        HARNESS_FAIL(
            *this, "flushing the dead node" << a.node << "'s interfaces: " << (r ? r->describe() : r.error().message));
    }
    if (auto st = pair_.cluster().restore_link(node(a.node), a.lan); !st) HARNESS_FAIL(*this, st.error().message);
    verify_carrier(a.node, a.lan, true);
    windows_[a.window].to = Clock::now() + kCutGrace;
    timeline_.note("restored node" + std::to_string(a.node) +
                   (a.lan == 0 ? " every lan" : " lan" + std::to_string(a.lan)));
  }

  // Both nodes reach each other on both lans, and the witness: the harness left no cut behind.
  void verify_network() {
    const auto& layout = pair_.cluster().layout();
    const std::string witness = pair_.witness_address();
    for (int n = 1; n <= 2; ++n) {
      const auto* peer = layout.find(node(3 - n));
      REQUIRE(peer != nullptr);
      for (const auto& to : {peer->ipv4(1), peer->ipv4(2), witness}) {
        std::string seen;
        const bool ok = eventually(
            [&] {
              auto r = pair_.cluster().run(node(n), {"ping", "-n", "-q", "-c", "1", "-W", "1", to}, 5s);
              seen = r ? r->describe() : r.error().message;
              return r && r->ok();
            },
            10s, 200ms);
        if (!ok)
          HARNESS_FAIL(*this, "node" << n << " does not reach " << to << " after the links were restored: " << seen);
      }
    }
  }

  // ---- nodes

  void kill_node(int n, const std::string& why) {
    timeline_.note("kill -9 of every process of node" + std::to_string(n) + " (" + why + ")");
    if (poller_) poller_->pause(n);
    auto k = pair_.kill_node(n);
    if (!k) HARNESS_FAIL(*this, "killing node" << n << ": " << k.error().message);
    // Nothing may be left but zombies not yet reaped.
    std::string left;
    const bool none = eventually(
        [&] {
          left.clear();
          for (pid_t pid : namespace_pids(pair_.netns(node(n))))
            if (!process_ended(pid)) left += "\n  pid " + std::to_string(pid) + ": " + cmdline_of(pid);
          return left.empty();
        },
        2s, 50ms);
    if (poller_) poller_->resume(n);
    if (!none) HARNESS_FAIL(*this, "processes still alive in node" << n << " after kill_node:" << left);
    dead_[static_cast<std::size_t>(n - 1)] = true;
    killed_[static_cast<std::size_t>(n - 1)] = true;
  }

  // The node boots: havend starts (its `haven start`, as boot="on" would, comes in the next
  // phase, so two nodes that were both down start their module together).
  void boot_node(int n) {
    timeline_.note("node" + std::to_string(n) + " boots: havend starts");
    if (auto st = pair_.restart_node(n); !st) {
      problems_.push_back("havend of node" + std::to_string(n) + " did not start again: " + st.error().message);
      return;
    }
    dead_[static_cast<std::size_t>(n - 1)] = false;
    booted_[static_cast<std::size_t>(n - 1)] = true;
  }

  void start_module(int n) {
    command(n, {"start", "--no-wait"});
    last_start_[static_cast<std::size_t>(n - 1)] = Clock::now();
  }

  // ---- one fault

  void inject(Action& a, bool single) {
    const auto skip = [&](const std::string& why) {
      a.skipped = true;
      a.skip_reason = why;
      ++stats_.skipped_actions;
      timeline_.note("fault " + a.describe());
    };
    if (dead(a.node) && a.kind != Kind::cut_primary_links && a.kind != Kind::cut_secondary_links &&
        a.kind != Kind::cut_replication_lan)
      return skip("node" + std::to_string(a.node) + " is down");
    timeline_.note("fault " + a.describe());
    switch (a.kind) {
      case Kind::kill_primary_node:
      case Kind::kill_secondary_node: kill_node(a.node, kind_name(a.kind)); break;
      case Kind::kill_primary_agent: {
        const auto st = pair_.state(a.node);
        const long long pid = st.raw.is_object() && st.raw.contains("pid") && st.raw["pid"].is_number_integer()
                                  ? st.raw["pid"].get<long long>()
                                  : -1;
        if (pid <= 0) return skip("no agent runs (" + st.describe() + ")");
        const auto cmd = cmdline_of(static_cast<pid_t>(pid));
        if (cmd.find("haven-agent") == std::string::npos || cmd.find(pair_.root(a.node).string()) == std::string::npos)
          HARNESS_FAIL(*this,
                       "pid " << pid << " given by haven state on node" << a.node << " is not its agent: " << cmd);
        timeline_.note("kill -9 of node" + std::to_string(a.node) + "'s agent, pid " + std::to_string(pid));
        agent_killed_[static_cast<std::size_t>(a.node - 1)] = true;
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        if (!eventually([&] { return process_ended(static_cast<pid_t>(pid)); }, 5s))
          HARNESS_FAIL(*this, "the agent pid " << pid << " of node" << a.node << " is alive 5 s after kill -9");
        break;
      }
      case Kind::cut_primary_links:
      case Kind::cut_secondary_links:
      case Kind::cut_replication_lan: cut(a); break;
      case Kind::stop_start_primary: {
        auto r = command(a.node, {"stop", "--no-wait"});
        if (!r.ok() && single)
          problems_.push_back("haven stop on the primary node" + std::to_string(a.node) + " failed: " + r.describe());
        break;
      }
      case Kind::swap: {
        auto r = command(a.node, {"swap", "--no-wait"});
        if (!r.ok() && single)
          problems_.push_back("haven swap on the settled primary node" + std::to_string(a.node) +
                              " was refused: " + r.describe());
        break;
      }
      case Kind::restart_node: {
        const auto pid_file = haven::HavenPaths::under(pair_.root(a.node)).daemon_pid_file();
        const pid_t pid = static_cast<pid_t>(std::atoi(file_text(pid_file).c_str()));
        const auto cmd = pid > 0 ? cmdline_of(pid) : std::string();
        if (cmd.find("havend") == std::string::npos || cmd.find(pair_.root(a.node).string()) == std::string::npos)
          HARNESS_FAIL(*this, pid_file << " names pid " << pid << ", not node" << a.node << "'s havend: " << cmd);
        a.havend = pid;
        timeline_.note("SIGTERM to node" + std::to_string(a.node) + "'s havend, pid " + std::to_string(pid));
        ::kill(pid, SIGTERM);  // the node stays up (a second fault may still hit it) until its reboot
        break;
      }
      case Kind::double_fault: break;
    }
  }

  // Phase 0 plugs cables back, phase 1 brings processes back (havend), phase 2 runs the
  // `haven start`s: those of the nodes that booted, and the one after `haven stop`.
  void recover(Action& a, int phase) {
    if (a.skipped) return;
    const bool is_cut =
        a.kind == Kind::cut_primary_links || a.kind == Kind::cut_secondary_links || a.kind == Kind::cut_replication_lan;
    if (phase == 0) {
      if (is_cut) restore(a);
      return;
    }
    if (phase == 2) {
      // A node killed since its `haven stop` has booted: its start went with the boot.
      if (a.kind == Kind::stop_start_primary && !dead(a.node) && !killed_[static_cast<std::size_t>(a.node - 1)]) {
        const auto s = pair_.wait_for(a.node, "STOP", "", 30s);
        if (s.state != "STOP")
          problems_.push_back("node" + std::to_string(a.node) + " is not STOP 30 s after haven stop: " + s.raw.dump());
        start_module(a.node);
      }
      return;
    }
    switch (a.kind) {
      case Kind::kill_primary_node:
      case Kind::kill_secondary_node:
        if (dead(a.node)) boot_node(a.node);
        break;
      case Kind::restart_node: {
        if (a.havend == 0) break;
        if (!eventually([&] { return process_ended(a.havend); }, 60s, 100ms))
          problems_.push_back("havend of node" + std::to_string(a.node) + " (pid " + std::to_string(a.havend) +
                              ") did not exit within 60 s of SIGTERM");
        else
          timeline_.note("node" + std::to_string(a.node) + "'s havend exited");
        // The reboot: whatever havend left running (the stray writer) dies with the machine.
        kill_node(a.node, "reboot after havend stopped");
        boot_node(a.node);
        break;
      }
      default: break;
    }
  }

  // ---- settling

  struct Settled {
    bool ok = false;
    int primary = 0;
    long long generation = -1;
    Clock::time_point since;  // the first poll of the settled stretch
  };

  // Waits, as an init system would, for PRIM Ready + SECOND Ready held for kSettledFor.
  Settled settle() {
    Settled out;
    const auto deadline = Clock::now() + kSettleTimeout;
    Clock::time_point since{};  // when the current PRIM Ready + SECOND Ready stretch began (0: none)
    int since_primary = 0;
    long long since_generation = -1;
    std::array<NodeState, 2> s;
    while (true) {
      for (int n = 1; n <= 2; ++n) {
        s[static_cast<std::size_t>(n - 1)] = pair_.state(n);
        auto& last = last_start_[static_cast<std::size_t>(n - 1)];
        if (s[static_cast<std::size_t>(n - 1)].state == "STOP" && !dead(n) && Clock::now() - last >= 2s) {
          last = Clock::now();
          command(n, {"start", "--no-wait"});
        }
      }
      int primary = 0;
      if (s[0].describe() == "PRIM Ready" && s[1].describe() == "SECOND Ready") primary = 1;
      if (s[1].describe() == "PRIM Ready" && s[0].describe() == "SECOND Ready") primary = 2;
      const long long generation =
          primary ? s[static_cast<std::size_t>(primary - 1)].raw.value("generation", -1LL) : -1;
      if (primary == 0 || primary != since_primary || generation != since_generation) {
        since_primary = primary;
        since_generation = generation;
        since = primary ? Clock::now() : Clock::time_point{};
      } else if (since != Clock::time_point{} && Clock::now() - since >= kSettledFor) {
        out.ok = true;
        out.primary = primary;
        out.generation = generation;
        out.since = since;
        return out;
      }
      if (Clock::now() >= deadline) {
        problems_.push_back("the pair did not settle (PRIM Ready + SECOND Ready) within 60 s: node1 " +
                            s[0].raw.dump() + "\nnode2 " + s[1].raw.dump());
        return out;
      }
      std::this_thread::sleep_for(200ms);
    }
  }

  // ---- writers

  std::size_t acked_count(int n, const char* writer) const {
    return read_acks(var(n) / (std::string(writer) + ".acked"), n).size();
  }

  // Both writers run on the settled primary and acknowledge records.
  void writers_progress(int primary) {
    auto r = writers(primary, "start-missing");
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("started ", 0) != 0) continue;
      const std::string w = line.substr(8, line.find(' ', 8) - 8);
      ++stats_.writer_restarts;
      const auto why = tail_lines(file_text(var(primary) / (w + ".log")), 2);
      std::string last = why;
      std::replace(last.begin(), last.end(), '\n', ' ');
      stats_.writer_exits.push_back("round " + std::to_string(round_) + ", node" + std::to_string(primary) + " " + w +
                                    ": " + last.substr(0, 300));
      timeline_.note("the " + w + " writer was not running on the primary node" + std::to_string(primary) +
                     ": started again; its log ended with: " + last);
    }
    if (!r.ok()) HARNESS_FAIL(*this, "writers.sh start-missing on node" << primary << ": " << r.describe());
    for (const char* w : kWriters) {
      const auto before = acked_count(primary, w);
      if (!eventually([&] { return acked_count(primary, w) >= before + 5; }, kProgressTimeout, 100ms))
        problems_.push_back(std::string("the ") + w + " writer on the settled primary node" + std::to_string(primary) +
                            " acknowledged no record for 10 s (stuck in a write or fsync?); its log ends with:\n" +
                            tail_lines(file_text(var(primary) / (std::string(w) + ".log")), 5) +
                            "the primary's state: " + pair_.state(primary).raw.dump() +
                            "\nthe secondary's: " + pair_.state(3 - primary).raw.dump());
    }
  }

  // Agents that died this round without the test killing them (a crash, an abort at exit, an
  // exit code other than 0), as havend logged them; a SIGKILL counts when the test killed the
  // node or its agent.
  void scan_agent_deaths() {
    for (int n = 1; n <= 2; ++n) {
      const auto i = static_cast<std::size_t>(n - 1);
      const auto text = file_text(pair_.root(n) / "work" / "havend.out");
      if (text.size() < havend_read_[i]) havend_read_[i] = 0;
      std::istringstream lines(text.substr(havend_read_[i]));
      havend_read_[i] = text.size();
      for (std::string line; std::getline(lines, line);) {
        if (line.find(std::string("the agent of module ") + kModule + " (pid") == std::string::npos) continue;
        if (line.find(") died (") == std::string::npos) continue;
        if (line.find("signal 9 ") != std::string::npos && (killed_[i] || agent_killed_[i])) continue;
        const auto out = file_text(haven::HavenPaths::under(pair_.root(n)).module_log_dir(kModule) / "agent.out");
        problems_.push_back("an agent died on node" + std::to_string(n) + " without the test killing it: " + line +
                            "\n  its output ends with:\n" + tail_lines(out, 8));
      }
    }
  }

  enum class Count { no, round, final };
  // Every record acknowledged on either node is in node n's journals. Returns the detail of a
  // loss, empty when none; `count` says whether the losses go into the summary.
  std::string check_records(int n, const std::string& what, Count count) {
    std::string out;
    std::size_t lost_now = 0;
    for (const char* w : kWriters) {
      // The acknowledgements first: each was logged after its record was written.
      auto acks = read_acks(var(1) / (std::string(w) + ".acked"), 1);
      auto acks2 = read_acks(var(2) / (std::string(w) + ".acked"), 2);
      acks.insert(acks.end(), acks2.begin(), acks2.end());
      const auto journal = read_journal(data(n) / (std::string(w) + ".journal"));
      const auto loss =
          compare(journal, acks, std::string(w) + " journal on node" + std::to_string(n) + " (" + what + ")",
                  timeline_.wall_t0());
      stats_.acked[w] = acks.size();
      if (count == Count::final) stats_.lost += loss.lost;
      if (count == Count::round) lost_now += loss.lost;
      if (!loss.detail.empty()) out += (out.empty() ? "" : "\n") + loss.detail;
    }
    if (count == Count::round) stats_.lost = std::max(stats_.lost, lost_now);
    return out;
  }

  void set_round(int r) {
    round_ = r;
    killed_ = {false, false};
    agent_killed_ = {false, false};
    problems_.clear();
    windows_.clear();
  }

  void harness_failed(const std::string& message) {
    stats_.result = "fail";
    stats_.failure =
        "round " + std::to_string(round_) + " (HAVEN_SEED=" + std::to_string(stats_.seed) + "): " + message;
    timeline_.note(message);
    FAIL(stats_.failure << "\n--- the campaign's last events:\n" << timeline_.text(60));
  }

  // After phase 1: `haven start` on every node that booted this round, back to back.
  void start_booted() {
    for (int n = 1; n <= 2; ++n)
      if (std::exchange(booted_[static_cast<std::size_t>(n - 1)], false) && !dead(n)) start_module(n);
  }

 private:
  FailoverPair& pair_;
  Stats& stats_;
  Timeline& timeline_;
  fs::path scratch_;
  std::array<fs::path, 2> data_;
  std::vector<Window> windows_;
  std::vector<std::string> problems_;
  std::array<bool, 2> dead_{false, false};
  std::array<Clock::time_point, 2> last_start_{};
  std::array<bool, 2> booted_{false, false};
  std::array<bool, 2> killed_{false, false};  // this round
  std::array<bool, 2> agent_killed_{false, false};  // this round
  std::array<std::size_t, 2> havend_read_{0, 0};  // how much of each havend.out was scanned
  StatePoller* poller_ = nullptr;
  int round_ = 0;
};

// Copies what a failure needs into /tmp/hvcampaign-logs-<seed>/ before the roots go.
struct KeepOnFailure {
  FailoverPair& pair;
  Campaign& campaign;
  Stats& stats;
  Timeline& timeline;
  ~KeepOnFailure() {
    if (std::uncaught_exceptions() == 0) return;
    const fs::path dir = "/tmp/hvcampaign-logs-" + std::to_string(stats.seed);
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ofstream(dir / "timeline.txt") << timeline.text();
    std::ofstream(dir / "summary.json") << stats.json().dump(2) << "\n";
    for (int n = 1; n <= 2; ++n) {
      const auto name = FailoverPair::node_name(n);
      const auto sub = dir / name;
      fs::create_directories(sub, ec);
      const auto paths = haven::HavenPaths::under(pair.root(n));
      for (const auto& entry : fs::directory_iterator(paths.module_log_dir(kModule), ec))
        if (entry.is_regular_file(ec))
          fs::copy_file(entry.path(), sub / entry.path().filename(), fs::copy_options::overwrite_existing, ec);
      fs::copy_file(pair.root(n) / "work" / "havend.out", sub / "havend.out", fs::copy_options::overwrite_existing, ec);
      fs::copy_file(paths.daemon_log(), sub / "havend.log", fs::copy_options::overwrite_existing, ec);
      for (const auto& entry : fs::directory_iterator(campaign.var(n), ec))
        if (entry.is_regular_file(ec))
          fs::copy_file(entry.path(), sub / entry.path().filename(), fs::copy_options::overwrite_existing, ec);
      for (const char* w : kWriters) {
        const auto journal = campaign.data(n) / (std::string(w) + ".journal");
        (void)haven::cluster::run_command({"cp", journal.string(), (sub / (std::string(w) + ".journal")).string()},
                                          20s);
      }
    }
    std::fprintf(stderr,
                 "the campaign's timeline, both nodes' logs, writer logs, acked logs and journals are kept in %s\n",
                 dir.c_str());
  }
};

// Writes the summary (JSON too) however the test ends.
struct ReportOnExit {
  Stats& stats;
  Clock::time_point started;
  ~ReportOnExit() {
    stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (std::uncaught_exceptions() > 0 && stats.result == "running") stats.result = "fail";
    if (!stats.written) std::fprintf(stderr, "%s\n", stats.text().c_str());
    stats.write_report();
  }
};

}  // namespace

TEST_CASE("fault campaign: under random faults the pair settles by itself, never has two primaries while connected, "
          "and loses no acknowledged write",
          "[netns][replication][campaign]") {
  if (auto st = haven::cluster::netns_available(); !st) {
    WARN("SKIPPED: this test needs root and network namespaces: " << st.error().message);
    return;
  }
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    WARN("SKIPPED: no /dev/fuse here");
    return;
  }
  const auto started = Clock::now();
  Stats stats;
  const char* seed_env = std::getenv("HAVEN_SEED");
  stats.seed = seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10)) : std::random_device{}();
  stats.rounds_asked = rounds_asked();
  ReportOnExit report{stats, started};
  std::fprintf(stderr, "fault campaign: HAVEN_SEED=%u, %d rounds\n", stats.seed, stats.rounds_asked);
  INFO("HAVEN_SEED=" << stats.seed);
  std::mt19937 rng(stats.seed);
  const auto deadline = started + std::chrono::seconds(120 + 20 * stats.rounds_asked);
  constexpr auto kRoundReserve = 90s;  // the longest a round may take: faults, 60 s settling, checks

  Scratch scratch;
  const std::array<fs::path, 2> data = {scratch.dir / "node1-data", scratch.dir / "node2-data"};
  for (const auto& d : data) fs::create_directories(d);
  std::ofstream(scratch.dir / "writer.py") << kWriterPy;
  std::ofstream(scratch.dir / "writers.sh") << kWritersSh;

  // The witness's address, known before the cluster exists: the layout is a pure function of
  // the spec and our pid (checked against the pair's once it is built).
  auto planned = haven::cluster::plan_layout(
      haven::cluster::Spec{.nodes = 2, .clients = 2, .lans = 2, .name = kClusterName}, ::getpid());
  if (!planned) FAIL(planned.error().message);
  const auto* client2 = planned->find("client2");
  REQUIRE(client2 != nullptr);
  const std::string witness = client2->ipv4();

  PairSpec spec;
  spec.name = kClusterName;
  spec.witness = true;
  const char* build = std::getenv("HAVEN_BUILD_DIR");
  REQUIRE(build != nullptr);
  spec.build_dir = build;
  spec.custom_module = campaign_module(witness);
  spec.node_env = {{{{"PAIR_DATA", data[0].string()}}, {{"PAIR_DATA", data[1].string()}}}};
  auto made = FailoverPair::create(spec);
  if (!made) FAIL(made.error().message);
  auto& pair = **made;
  REQUIRE(pair.witness_address() == witness);
  if (auto up = pair.pair_up(); !up)
    FAIL(up.error().message << "\n"
                            << pair.describe_node(1, 60) << pair.describe_node(2, 60) << "--- node2 agent output:\n"
                            << file_text(haven::HavenPaths::under(pair.root(2)).module_log_dir(kModule) / "agent.out"));

  Timeline timeline(started);
  Campaign campaign(pair, stats, timeline, scratch.dir, data);
  KeepOnFailure keep{pair, campaign, stats, timeline};
  StatePoller poller(pair, timeline);
  campaign.set_poller(&poller);

  std::string last_fault = "none (the pair as formed by pair_up)";
  std::size_t round_events = 0;       // where the round before's events begin in the timeline
  std::size_t this_round_events = 0;  // where this round's begin
  const auto fail_round = [&](int round, const Plan& plan, bool before_fault, const std::string& what) {
    std::ostringstream msg;
    if (before_fault)
      msg << "at the start of round " << round << " of " << stats.rounds_asked
          << ", before its fault; the last fault was " << last_fault << ", HAVEN_SEED=" << stats.seed << ":\n";
    else
      msg << "round " << round << " of " << stats.rounds_asked << ", fault " << plan.describe()
          << ", HAVEN_SEED=" << stats.seed << ":\n";
    msg << what;
    stats.result = "fail";
    stats.failure = msg.str();
    poller.stop();
    msg << "\n--- the campaign's events since the round before (all in the kept timeline.txt):\n"
        << timeline.text_from(round_events, 150) << pair.describe_node(1, 60) << pair.describe_node(2, 60);
    for (int n = 1; n <= 2; ++n)
      for (const char* w : kWriters)
        msg << "--- node" << n << " " << w << " writer log:\n"
            << tail_lines(file_text(campaign.var(n) / (std::string(w) + ".log")), 4);
    FAIL(msg.str());
  };

  int primary = 1;
  for (int round = 1; round <= stats.rounds_asked; ++round) {
    if (Clock::now() + kRoundReserve > deadline) {
      stats.stopped_by_deadline = true;
      break;
    }
    campaign.set_round(round);
    const Plan plan = draw_plan(rng, primary);
    round_events = std::exchange(this_round_events, timeline.size());
    timeline.note("=== round " + std::to_string(round) + " of " + std::to_string(stats.rounds_asked) + ": node" +
                  std::to_string(primary) + " primary; " + plan.describe());
    (void)poller.take();

    campaign.writers_progress(primary);
    if (!campaign.problems().empty()) fail_round(round, plan, true, campaign.problems().front());
    std::this_thread::sleep_for(plan.run_before);

    // The fault(s).
    Plan live = plan;
    ++stats.faults[kind_name(plan.kind)];
    const bool single = live.actions.size() == 1;
    campaign.inject(live.actions[0], single);
    if (!single) {
      std::this_thread::sleep_for(live.gap);
      campaign.inject(live.actions[1], false);
    }
    ms hold{0};
    for (const auto& a : live.actions) hold = std::max(hold, a.hold);
    std::this_thread::sleep_for(hold);
    for (int phase = 0; phase <= 2; ++phase) {
      for (auto& a : live.actions) campaign.recover(a, phase);
      if (phase == 1) campaign.start_booted();
    }
    // The settle time runs from the test's last intervention (a cable plugged back, a node
    // booted, a start), not from the checks that follow.
    const auto recovered = Clock::now();
    campaign.verify_network();
    timeline.note("recovered; waiting for the pair to settle");

    const auto settled = campaign.settle();
    campaign.scan_agent_deaths();
    const auto samples = poller.take();
    auto doubles = two_primaries(samples, campaign.windows(), timeline);
    std::string what;
    for (const auto& p : campaign.problems()) what += p + "\n";
    for (const auto& d : doubles) what += d + "\n";
    if (settled.ok) {
      primary = settled.primary;
      const auto since = settled_since(samples, settled.primary, settled.generation).value_or(settled.since);
      const double seconds = std::max(0.0, std::chrono::duration<double>(since - recovered).count());
      stats.settle_s[kind_name(plan.kind)].push_back(seconds);
      stats.no_primary_s[kind_name(plan.kind)].push_back(longest_without_primary(samples));
      char line[128];
      std::snprintf(line, sizeof line, "settled %.2f s after the recovery: node%d PRIM Ready (gen %lld)", seconds,
                    primary, settled.generation);
      timeline.note(line);
      const auto loss =
          campaign.check_records(primary, "the primary after round " + std::to_string(round), Campaign::Count::round);
      if (!loss.empty()) what += "acknowledged records lost:\n" + loss + "\n";
      // The SECOND Ready copy may take over at the next fault: it must hold them too (with
      // async="second" a change received may reach the disk a little later).
      std::string behind;
      if (loss.empty() && !eventually(
                              [&] {
                                behind = campaign.check_records(3 - primary,
                                                                "the secondary after round " + std::to_string(round),
                                                                Campaign::Count::no);
                                return behind.empty();
                              },
                              10s, 200ms))
        what += "the SECOND Ready node's copy lacks acknowledged records 10 s after settling:\n" + behind + "\n";
      const auto still = pair.state(primary);
      if (still.describe() != "PRIM Ready")
        what += "the primary left PRIM Ready during the check: " + still.raw.dump() + "\n";
    }
    ++stats.rounds_run;
    nlohmann::json r{
        {"round", round}, {"kind", kind_name(plan.kind)}, {"fault", live.describe()}, {"ok", what.empty()}};
    if (settled.ok) {
      r["primary"] = FailoverPair::node_name(primary);
      r["settle_s"] = stats.settle_s[kind_name(plan.kind)].back();
      r["no_primary_s"] = stats.no_primary_s[kind_name(plan.kind)].back();
    }
    if (samples.size() >= 4) {
      // How often each node was seen: the two-primaries check is only as fine as this.
      const double span = std::chrono::duration<double>(samples.back().start - samples.front().start).count();
      r["poll_interval_ms"] = 1000.0 * span / (static_cast<double>(samples.size()) / 2.0);
    }
    stats.rounds.push_back(r);
    if (!what.empty()) fail_round(round, live, false, what);
    last_fault = "round " + std::to_string(round) + "'s " + live.describe();
  }

  // The end: writers stopped, both copies complete, rfsverify equal.
  poller.stop();
  timeline.note("=== the end: writers killed on both nodes, then both journals and rfsverify");
  for (int n = 1; n <= 2; ++n) {
    if (campaign.dead(n)) continue;
    auto r = campaign.writers(n, "kill-all");
    if (!r.ok()) HARNESS_FAIL(campaign, "writers.sh kill-all on node" << n << ": " << r.describe());
    // And any writer its pid file no longer names.
    const auto writers_left = [&] {
      std::vector<pid_t> left;
      for (pid_t pid : namespace_pids(pair.netns(FailoverPair::node_name(n))))
        if (!process_ended(pid) && cmdline_of(pid).find("writer.py") != std::string::npos) left.push_back(pid);
      return left;
    };
    for (pid_t pid : writers_left()) {
      timeline.note("node" + std::to_string(n) + ": a writer no pid file names, pid " + std::to_string(pid) +
                    ": killed");
      ::kill(pid, SIGKILL);
    }
    if (!eventually([&] { return writers_left().empty(); }, 10s))
      HARNESS_FAIL(campaign,
                   "a writer still runs on node" << n << " 10 s after kill -9: pid " << writers_left().front());
  }
  const auto final_fail = [&](const std::string& what) {
    std::ostringstream msg;
    msg << "after " << stats.rounds_run << " rounds (HAVEN_SEED=" << stats.seed << "): " << what;
    stats.result = "fail";
    stats.failure = msg.str();
    msg << "\n--- the campaign's last events:\n"
        << timeline.text(60) << pair.describe_node(1, 60) << pair.describe_node(2, 60);
    FAIL(msg.str());
  };
  const int secondary = 3 - primary;
  const auto on_primary = campaign.check_records(primary, "the primary at the end", Campaign::Count::final);
  if (!on_primary.empty()) final_fail("acknowledged records lost on the primary:\n" + on_primary);
  std::string on_secondary;
  eventually(
      [&] {
        on_secondary = campaign.check_records(secondary, "the secondary at the end", Campaign::Count::no);
        return on_secondary.empty();
      },
      20s, 200ms);
  if (!on_secondary.empty())
    final_fail("the secondary's copy lacks acknowledged records 20 s after the writers stopped:\n" + on_secondary);
  haven::cluster::CommandOutput verify;
  nlohmann::json verified;
  const bool equal = eventually(
      [&] {
        verify = pair.haven(primary, {"--json", "rfsverify", "-m", kModule}, 180s);
        verified = nlohmann::json::parse(verify.out, nullptr, false);
        if (!verify.ok() || verified.is_discarded() || !verified.contains("dirs") || !verified["dirs"].is_array() ||
            verified["dirs"].empty())
          return false;
        return std::all_of(verified["dirs"].begin(), verified["dirs"].end(),
                           [](const nlohmann::json& d) { return d.value("equal", false); });
      },
      10s, 2s);
  if (!equal)
    final_fail("haven rfsverify on the primary node" + std::to_string(primary) +
               " does not report equal copies: " + verify.describe());

  stats.result = "pass";
  stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const auto summary = stats.text();
  stats.write_report();
  WARN(summary);
  SUCCEED(summary);
}

// The campaign's own judges, on made-up input (no root needed): a false alarm or a missed loss
// here would be the test's fault, not the product's.
TEST_CASE("fault campaign helpers: journals, losses, two primaries, settling and the seeded plan",
          "[campaign][helpers]") {
  Scratch scratch;
  const auto record = [](std::uint64_t n, const std::string& token) {
    char r[64];
    std::snprintf(r, sizeof r, "%010llu node1 %s", static_cast<unsigned long long>(n), token.c_str());
    std::string s(r);
    s.resize(kRecordSize - 1, ' ');
    return s + "\n";
  };
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(scratch.dir / name, std::ios::binary) << bytes;
    return scratch.dir / name;
  };

  SECTION("a sound journal with a torn tail; the acknowledged records are all there") {
    const auto j =
        read_journal(write("j", record(1, "aaaaaaaa") + record(2, "aaaaaaaa") + record(3, "bbbbbbbb") + "00000"));
    CHECK(j.error.empty());
    CHECK(j.records.size() == 3);
    CHECK(j.torn == 5);
    const std::vector<Ack> acks = {{1, "aaaaaaaa", 1, 0}, {2, "aaaaaaaa", 1, 0}, {3, "bbbbbbbb", 2, 0}};
    const auto loss = compare(j, acks, "j");
    CHECK(loss.lost == 0);
    CHECK(loss.detail.empty());
  }
  SECTION("a record acknowledged by one writer and replaced by another's is lost; so is one beyond the end") {
    const auto j = read_journal(write("j", record(1, "aaaaaaaa") + record(2, "cccccccc")));
    const std::vector<Ack> acks = {{1, "aaaaaaaa", 1, 0}, {2, "aaaaaaaa", 1, 0}, {3, "aaaaaaaa", 1, 0}};
    const auto loss = compare(j, acks, "j");
    CHECK(loss.lost == 2);
    CHECK_THAT(loss.detail, Catch::Contains("record 2 acknowledged by writer aaaaaaaa") &&
                                Catch::Contains("from writer cccccccc") && Catch::Contains("beyond the journal's end"));
  }
  SECTION("a zeroed record or a number out of sequence damages the journal") {
    const auto zeros =
        read_journal(write("j", record(1, "aaaaaaaa") + std::string(kRecordSize, '\0') + record(3, "aaaaaaaa")));
    CHECK(zeros.records.size() == 1);
    CHECK_THAT(zeros.error, Catch::Contains("record 2 (byte 32) is malformed"));
    const auto hole = read_journal(write("j", record(1, "aaaaaaaa") + record(3, "aaaaaaaa")));
    CHECK_THAT(hole.error, Catch::Contains("carries number 3"));
    CHECK_FALSE(compare(hole, {}, "j").detail.empty());
    CHECK_FALSE(read_journal(scratch.dir / "absent").error.empty());
  }
  SECTION("acknowledgements: whole lines only") {
    const auto acks = read_acks(write("acked", "1 aaaaaaaa 1700000000.5\n2 aaaaaaaa\n3 aaa"), 2);
    REQUIRE(acks.size() == 2);
    CHECK(acks[0].at == Approx(1700000000.5));
    CHECK(acks[1].number == 2);
    CHECK(acks[1].node == 2);
  }
  SECTION("two primaries: one node primary between two samples of the other in the same term") {
    Timeline timeline(Clock::now());
    const auto t = Clock::now();
    const auto at = [&](int ms_from) { return t + std::chrono::milliseconds(ms_from); };
    const auto sample = [&](int from, int node, const std::string& state, long long gen) {
      return Sample{at(from), at(from + 10), node, state, "Ready", gen, 100 + node};
    };
    const std::vector<Sample> overlap = {sample(0, 1, "PRIM", 3), sample(20, 2, "ALONE", 4), sample(40, 1, "PRIM", 3)};
    CHECK(two_primaries(overlap, {}, timeline).size() == 1);
    // A longer overlap is one finding.
    const std::vector<Sample> longer = {sample(0, 1, "PRIM", 3),  sample(20, 2, "ALONE", 4),
                                        sample(40, 1, "PRIM", 3), sample(60, 2, "ALONE", 4),
                                        sample(80, 1, "PRIM", 3), sample(100, 2, "SECOND", 4)};
    const auto found = two_primaries(longer, {}, timeline);
    REQUIRE(found.size() == 1);
    CHECK_THAT(found[0], Catch::Contains("(5 samples") &&
                             Catch::Contains("node1 PRIM Ready (gen 3) and node2 ALONE Ready (gen 4)"));
    // Inside a cut's window (and its grace): allowed.
    CHECK(two_primaries(overlap, {Window{at(-1000), at(30), "cut"}}, timeline).empty());
    CHECK(two_primaries(overlap, {Window{at(60), at(100), "cut"}}, timeline).size() == 1);
    // node1 stepped down and came back in between (a new term): not proven to overlap.
    const std::vector<Sample> new_term = {sample(0, 1, "PRIM", 3), sample(20, 2, "ALONE", 4),
                                          sample(40, 1, "ALONE", 5)};
    CHECK(two_primaries(new_term, {}, timeline).empty());
    const std::vector<Sample> handover = {sample(0, 1, "PRIM", 3), sample(20, 2, "SECOND", 3),
                                          sample(40, 1, "SECOND", 3), sample(60, 2, "PRIM", 4),
                                          sample(80, 1, "SECOND", 4)};
    CHECK(two_primaries(handover, {}, timeline).empty());
    // Settled since the first sample of the last unbroken stretch of both nodes.
    const std::vector<Sample> settling = {sample(0, 1, "ALONE", 4), sample(20, 2, "SECOND", 4),
                                          sample(40, 1, "PRIM", 4), sample(60, 2, "SECOND", 4),
                                          sample(80, 1, "PRIM", 4)};
    auto since = settled_since(settling, 1, 4);
    REQUIRE(since.has_value());
    CHECK(*since == at(40));
    CHECK_FALSE(settled_since(settling, 2, 4).has_value());
    // No primary Ready from 40 ms (node1 WAIT, node2 still SECOND) to 60 ms (node2 ALONE).
    const std::vector<Sample> failover = {sample(0, 1, "PRIM", 3), sample(20, 2, "SECOND", 3), sample(40, 1, "WAIT", 3),
                                          sample(60, 2, "ALONE", 4), sample(80, 1, "WAIT", 3)};
    CHECK(longest_without_primary(failover) == Approx(0.02));
  }
  SECTION("a seed gives one sequence of faults") {
    std::mt19937 a(42), b(42);
    for (int round = 0; round < 50; ++round) {
      const auto pa = draw_plan(a, 1 + round % 2);
      const auto pb = draw_plan(b, 1 + round % 2);
      CHECK(pa.describe() == pb.describe());
      REQUIRE_FALSE(pa.actions.empty());
      if (pa.kind == Kind::double_fault) {
        REQUIRE(pa.actions.size() == 2);
        CHECK(pa.actions[0].kind != pa.actions[1].kind);
      }
    }
  }
}
