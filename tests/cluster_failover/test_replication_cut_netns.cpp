// Zero acknowledged writes lost when the replication lan is cut. Two havend on namespace
// hosts: heartbeats on lan1 and lan2, the replication stream on lan2 only (ident="flow"). The
// primary's application appends numbered records to a journal in the replicated directory,
// each followed by fsync, and logs each acknowledged one. At a random moment lan2 is cut at
// the primary, and at another random moment later the whole primary node is killed (kill -9
// of every process in its namespace). The survivor then either takes over, and must hold
// every acknowledged record, or knows it is behind (the primary went on recording without
// it) and waits; then the dead node is started again, becomes primary with its data, and the
// survivor is brought level: it must then hold every acknowledged record too.
// HAVEN_CUT_ROUNDS (default 50) rounds, HAVEN_SEED replays a run. Root only.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "failover_pair.hpp"
#include "journal_records.hpp"
#include "common/haven_paths.hpp"
#include "test_module.hpp"

using namespace std::chrono_literals;
using haven::netns_failover::Clock;
using haven::netns_failover::FailoverPair;
using haven::netns_failover::NodeState;
using haven::netns_failover::PairModule;
using haven::netns_failover::PairSpec;
namespace fs = std::filesystem;
using haven::test::journal_records;

namespace {

constexpr const char* kModule = "journal";

// The application: continues the journal after its last whole record (a torn record left by
// a crash is cut first, as a database's recovery cuts its log's torn tail: the node may be
// killed while its file system's daemon is half way through a write); logs a record's
// number once its write and fsync both returned.
constexpr const char* kWriter = R"(import os, sys
data, acked = sys.argv[1], sys.argv[2]
journal = os.path.join(data, "journal")
last = 0
whole = 0
try:
    with open(journal, "rb") as f:
        for line in f:
            if len(line) != 11 or not line.endswith(b"\n") or not line[:10].isdigit():
                break
            last = int(line[:10])
            whole += 11
except FileNotFoundError:
    pass
fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
if os.fstat(fd).st_size != whole:
    os.ftruncate(fd, whole)
    os.fsync(fd)
log = os.open(acked, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
for n in range(last + 1, last + 2000000):
    os.write(fd, b"%010d\n" % n)
    os.fsync(fd)
    os.write(log, b"%d\n" % n)
)";

PairModule journal_module() {
  const std::string start =
      "do\n"
      "  local var = haven.env.SAFEUSERVAR\n"
      "  local r = haven.exec{ \"/bin/sh\", \"-c\",\n"
      "    ('/usr/bin/python3 \"%s/writer.py\" \"%s\" \"%s/acked\" >\"%s/writer.log\" 2>&1 & echo $! >\"%s/writer.pid\"')\n"
      "      :format(haven.env.SAFEUSERBIN, haven.env.PAIR_DATA, var, var, var), timeout = 10 }\n"
      "  if r.code ~= 0 then haven.printe(\"start_prim: the writer did not start\"); os.exit(1) end\n"
      "end\n";
  const std::string stop =
      "do\n"
      "  local f = io.open(haven.env.SAFEUSERVAR .. \"/writer.pid\", \"r\")\n"
      "  if f then\n"
      "    local pid = f:read(\"l\")\n"
      "    f:close()\n"
      "    haven.exec{ \"kill\", \"-KILL\", pid }\n"
      "  end\n"
      "end\n";
  auto bin = haven::test::recording_hooks({{"start_prim", start}, {"stop_prim", stop}});
  bin["writer.py"] = kWriter;
  const std::string userconfig =
      "<!DOCTYPE safe>\n"
      "<safe>\n"
      "  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"1000\" loop_interval=\"24h\" failover=\"on\">\n"
      "    <heart pulse=\"100ms\" timeout=\"500ms\">\n"
      "      <heartbeat name=\"default\"/><heartbeat name=\"lan2\" ident=\"flow\"/>\n"
      "    </heart>\n"
      "    <rfs async=\"second\"><replicated dir=\"%PAIR_DATA%\" mode=\"read_only\"/></rfs>\n"
      "    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"><var name=\"PAIR_DATA\" value=\"%PAIR_DATA%\"/></user>\n"
      "  </service>\n"
      "</safe>\n";
  return PairModule{kModule, {userconfig, bin}};
}

// The last record the application was told is written, 0 before any.
std::uint64_t last_acknowledged(const fs::path& log) {
  std::ifstream in(log);
  std::uint64_t last = 0;
  std::string line;
  while (std::getline(in, line))
    if (!in.eof() && !line.empty()) last = std::max<std::uint64_t>(last, std::stoull(line));
  return last;
}

// Every record from 1 to `acknowledged` is there, in order, with no hole.
std::string loss_in(const std::vector<std::uint64_t>& records, std::uint64_t acknowledged) {
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i] != i + 1) return "record " + std::to_string(i + 1) + " is " + std::to_string(records[i]);
  if (records.size() < acknowledged)
    return "only " + std::to_string(records.size()) + " records, " + std::to_string(acknowledged) + " acknowledged";
  return {};
}

// "N records, 1..K in order, then ..." for a failure message.
std::string describe_records(const std::vector<std::uint64_t>& records, std::uint64_t acknowledged) {
  std::size_t in_order = 0;
  while (in_order < records.size() && records[in_order] == in_order + 1) ++in_order;
  std::string text = std::to_string(records.size()) + " records, 1.." + std::to_string(in_order) + " in order";
  if (in_order < records.size()) text += ", then " + std::to_string(records[in_order]);
  if (!records.empty()) text += ", last " + std::to_string(records.back());
  return text + "; " + std::to_string(acknowledged) + " acknowledged";
}

// Where a journal file stops being whole records 1, 2, 3...: its size, the first line that is
// not the next record (offset and bytes, escaped) and what follows, for a failure message.
std::string damage_report(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string text = file.string() + ": " + std::to_string(bytes.size()) + " bytes";
  std::uint64_t expected = 1;
  std::size_t at = 0;
  for (; at + 11 <= bytes.size(); at += 11, ++expected)
    if (bytes.compare(at, 11, fmt::format("{:010d}\n", expected)) != 0) break;
  if (at == bytes.size()) return text + ", every record whole and in order";
  text += fmt::format(", record {} at offset {} is not whole: ", expected, at);
  for (std::size_t i = at; i < std::min(bytes.size(), at + 48); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    text += (c >= 0x20 && c < 0x7f) ? std::string(1, static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
  }
  // Where the next whole record starts again, if it does.
  for (std::size_t i = at + 1; i + 11 <= bytes.size(); ++i)
    if (bytes[i - 1] == '\n' && bytes[i + 10] == '\n' &&
        std::all_of(bytes.begin() + static_cast<long>(i), bytes.begin() + static_cast<long>(i + 10), ::isdigit))
      return text + fmt::format("; whole records again at offset {} ({})", i, bytes.substr(i, 10));
  return text;
}

int rounds_asked() {
  const char* v = std::getenv("HAVEN_CUT_ROUNDS");
  return v ? std::max(1, std::atoi(v)) : 50;
}

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

struct Scratch {
  fs::path dir;
  Scratch() {
    std::string tmpl = "/tmp/hvcut.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a scratch folder under /tmp");
    dir = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// `ip link set eth1 up|down` on a host: its lan2 interface.
void set_link(FailoverPair& pair, const std::string& host, const std::string& how) {
  auto r = pair.cluster().run(host, {"ip", "link", "set", "eth1", how});
  if (!r) FAIL(r.error().message);
  INFO(r->describe());
  REQUIRE(r->ok());
}

// When a round fails, both nodes' module logs are kept in /tmp/hvcut-logs-<seed>/ (the roots
// go with the pair).
struct LogsOnFailure {
  FailoverPair& pair;
  unsigned seed;
  ~LogsOnFailure() {
    if (std::uncaught_exceptions() == 0) return;
    const fs::path dir = "/tmp/hvcut-logs-" + std::to_string(seed);
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (int n = 1; n <= 2; ++n) std::ofstream(dir / (FailoverPair::node_name(n) + ".log")) << pair.module_log(n);
    std::fprintf(stderr, "module logs of both nodes kept in %s\n", dir.c_str());
  }
};

}  // namespace

TEST_CASE("zero loss with the replication lan cut: every acknowledged record is on whichever node becomes primary",
          "[netns][replication][zeroloss]") {
  if (auto st = haven::cluster::netns_available(); !st) {
    WARN("SKIPPED: this test needs root and network namespaces: " << st.error().message);
    return;
  }
  if (::access("/dev/fuse", R_OK | W_OK) != 0) {
    WARN("SKIPPED: no /dev/fuse here");
    return;
  }
  const char* seed_env = std::getenv("HAVEN_SEED");
  const unsigned seed = seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10)) : std::random_device{}();
  INFO("HAVEN_SEED=" << seed);
  std::mt19937 rng(seed);
  const int rounds = rounds_asked();
  const auto deadline = Clock::now() + std::chrono::seconds(60 + 20 * rounds);

  Scratch scratch;
  const fs::path data[2] = {scratch.dir / "node1-data", scratch.dir / "node2-data"};
  for (const auto& d : data) fs::create_directories(d);
  PairSpec spec;
  spec.name = "focut";
  const char* build = std::getenv("HAVEN_BUILD_DIR");
  REQUIRE(build != nullptr);
  spec.build_dir = build;
  spec.custom_module = journal_module();
  spec.node_env = {{{{"PAIR_DATA", data[0].string()}}, {{"PAIR_DATA", data[1].string()}}}};
  auto made = FailoverPair::create(spec);
  if (!made) FAIL(made.error().message);
  auto& pair = **made;
  if (auto up = pair.pair_up(); !up) FAIL(up.error().message);

  LogsOnFailure keep_logs{pair, seed};
  const auto acked_log = [&](int n) {
    return haven::HavenPaths::under(pair.root(n)).module_var_dir(kModule) / "acked";
  };
  int primary = 1;
  int took_over = 0;
  int waited_behind = 0;
  std::uint64_t acknowledged_total = 0;
  for (int round = 1; round <= rounds; ++round) {
    const int other = 3 - primary;
    INFO("round " << round << " of " << rounds << ", primary node" << primary);
    REQUIRE(Clock::now() < deadline);
    // The application writes on the primary before the fault.
    const auto before = std::max(acknowledged_total, last_acknowledged(acked_log(primary)));
    REQUIRE(eventually([&] { return last_acknowledged(acked_log(primary)) > before; }, 10s));

    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(rng)));
    REQUIRE(pair.cluster().cut_link(FailoverPair::node_name(primary), 2).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 1500)(rng)));
    auto killed = pair.kill_node(primary);
    if (!killed) FAIL(killed.error().message);
    // The dead node's kernel still holds the packets it queued on the cut lan: they would
    // reach the survivor when the cable is plugged back, as heartbeats of a node long dead.
    // A crashed machine sends nothing more; taking the interface down drops them.
    const auto dead = FailoverPair::node_name(primary);
    set_link(pair, dead, "down");
    const auto acknowledged = last_acknowledged(acked_log(primary));
    acknowledged_total = std::max(acknowledged_total, acknowledged);
    INFO("records acknowledged on node" << primary << ": " << acknowledged);

    // The survivor takes over (ALONE Ready) or holds, knowing it is behind (WAIT, not up to
    // date) for a few heartbeat timeouts.
    NodeState seen;
    auto behind_since = Clock::time_point{};
    const bool settled = eventually(
        [&] {
          seen = pair.state(other);
          if (seen.describe() == "ALONE Ready") return true;
          const bool behind = seen.state == "WAIT" && !seen.raw.value("uptodate", true);
          if (!behind) behind_since = {};
          else if (behind_since == Clock::time_point{}) behind_since = Clock::now();
          return behind && Clock::now() - behind_since > 1500ms;
        },
        15s);
    INFO("node" << other << ": " << seen.raw.dump() << "\n" << pair.describe_node(other, 60) << "\nthe killed node:\n"
                 << pair.describe_node(primary, 60));
    REQUIRE(settled);
    set_link(pair, dead, "up");
    REQUIRE(pair.cluster().restore_link(dead, 2).ok());

    if (seen.state == "ALONE") {
      ++took_over;
      const auto loss = loss_in(journal_records(data[other - 1] / "journal"), acknowledged);
      INFO("the new primary node" << other << " lost an acknowledged record: " << loss);
      INFO("read from this test's mount namespace, 11 bytes per record: node"
           << other << ": " << damage_report(data[other - 1] / "journal"));
      REQUIRE(loss.empty());
      // The dead node comes back as SECOND, brought level.
      REQUIRE(pair.restart_node(primary).ok());
      REQUIRE(pair.haven(primary, {"start", "-m", kModule}).ok());
      auto s = pair.wait_for(primary, "SECOND", "Ready", 30s);
      INFO(s.raw.dump() << "\n" << pair.describe_node(primary));
      REQUIRE(s.describe() == "SECOND Ready");
      primary = other;
    } else {
      ++waited_behind;
      // The primary's node comes back, primary again with its own data; the survivor is
      // brought level and must then hold every acknowledged record.
      REQUIRE(pair.restart_node(primary).ok());
      REQUIRE(pair.haven(primary, {"start", "-m", kModule}).ok());
      NodeState p;
      eventually(
          [&] {
            p = pair.state(primary);
            return p.primary() && p.substate == "Ready";
          },
          30s);
      INFO(p.raw.dump() << "\n" << pair.describe_node(primary));
      REQUIRE(p.primary());
      auto s = pair.wait_for(other, "SECOND", "Ready", 30s);
      INFO(s.raw.dump() << "\n" << pair.describe_node(other));
      REQUIRE(s.describe() == "SECOND Ready");
      const auto loss = loss_in(journal_records(data[other - 1] / "journal"), acknowledged);
      INFO("node" << other << ", brought level, lacks an acknowledged record: " << loss);
      // Which copy lacks it: the primary's own (lost on its node) or only the secondary's (not
      // reintegrated)?
      INFO("the primary node" << primary << "'s own journal: "
                              << describe_records(journal_records(data[primary - 1] / "journal"), acknowledged));
      INFO("read from this test's mount namespace, 11 bytes per record: node" << other << ": "
                                                                           << damage_report(data[other - 1] / "journal")
                                                                           << "; node" << primary << ": "
                                                                           << damage_report(data[primary - 1] / "journal"));
      REQUIRE(loss.empty());
    }
  }
  SUCCEED("rounds: " << rounds << ", survivor took over: " << took_over << ", survivor knew it was behind and waited: "
                     << waited_behind << ", records acknowledged: " << acknowledged_total);
  WARN("replication cut: " << rounds << " rounds, " << took_over << " takeovers, " << waited_behind
                           << " waits behind, " << acknowledged_total << " records acknowledged (HAVEN_SEED=" << seed
                           << ")");
}
