// A node leaving the primary role acknowledges nothing more (docs/replication.md, "Fencing"):
// a process its stop hooks missed keeps appending fsync'ed numbered records to a journal in the
// replicated directory; once the primary is stopped (or swapped), each of its writes fails, every
// record it was told is written is on the new primary, and the module log names it. With
// <rfs killholders="on"> the stop kills it. And a start typed while the stop runs is carried out
// after it.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "journal_records.hpp"
#include "replicated_pair.hpp"
#include "wait_until.hpp"

using namespace haven::test;
using namespace std::chrono_literals;

namespace {

// A process of its own (so that killholders can kill it) that appends records 1, 2, ... with
// fsync to `journal` and, after each success, the record's number to `acked` (outside the
// replicated directory); on the first failure it writes "errno N" there and, still holding
// the journal open as a stuck worker would, waits to be killed (at most a minute).
pid_t start_stray_writer(const std::filesystem::path& journal, const std::filesystem::path& acked) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int log = ::open(acked.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  const int fd = ::open(journal.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || log < 0) ::_exit(2);
  char line[32];
  for (unsigned long long r = 1; r < 10'000'000; ++r) {
    std::snprintf(line, sizeof line, "%010llu\n", r);
    if (::write(fd, line, 11) != 11 || ::fsync(fd) != 0) {
      const int error = errno;
      const int n = std::snprintf(line, sizeof line, "errno %d\n", error);
      (void)!::write(log, line, static_cast<std::size_t>(n));
      ::sleep(60);
      ::_exit(1);
    }
    const int n = std::snprintf(line, sizeof line, "%llu\n", r);
    (void)!::write(log, line, static_cast<std::size_t>(n));
  }
  ::_exit(0);
}

struct AckedLog {
  std::uint64_t last = 0;
  int error = 0;  ///< the errno the writer stopped on, 0 while it runs
};

AckedLog read_acked(const std::filesystem::path& acked) {
  AckedLog log;
  std::ifstream in(acked);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("errno ", 0) == 0) log.error = std::stoi(line.substr(6));
    else if (!line.empty()) log.last = std::max<std::uint64_t>(log.last, std::stoull(line));
  }
  return log;
}

// Every record 1..acknowledged in `journal`, in order, with no hole.
std::string loss_in(const std::filesystem::path& journal, std::uint64_t acknowledged) {
  const auto records = journal_records(journal);
  for (std::size_t i = 0; i < records.size(); ++i)
    if (records[i] != i + 1) return "record " + std::to_string(i + 1) + " is " + std::to_string(records[i]);
  if (records.size() < acknowledged)
    return "only " + std::to_string(records.size()) + " records of " + std::to_string(acknowledged) + " acknowledged";
  return {};
}

bool exited(pid_t pid, int& status) { return ::waitpid(pid, &status, WNOHANG) == pid; }

}  // namespace

TEST_CASE("a writer the stop hooks missed cannot write once the primary stopped; the new primary has all it was told",
          "[integration][replication][fence]") {
  std::string why;
  if (!can_replicate(why)) {
    WARN("skipped: " << why);
    return;
  }
  ReplicatedPair rp(28967, 67);
  auto& pair = rp.nodes();
  pair.pair_up();
  const auto acked = rp.data(1).parent_path() / "stray-acked";
  const pid_t stray = start_stray_writer(rp.data(1) / "journal", acked);
  REQUIRE(stray > 0);
  REQUIRE(wait_until([&] { return read_acked(acked).last > 200; }, 10s));

  // The stop returns once the module is STOP, the writer still running meanwhile.
  REQUIRE(pair.command(1, "stop").exit_code == 0);
  CHECK(pair.poll(1).state == "STOP");
  REQUIRE(wait_until([&] { return read_acked(acked).error != 0; }, 10s));
  const auto seen = read_acked(acked);
  INFO("the writer stopped on errno " << seen.error << " after record " << seen.last);
  CHECK((seen.error == EROFS || seen.error == EIO));
  ::kill(stray, SIGKILL);
  int status = 0;
  ::waitpid(stray, &status, 0);

  REQUIRE(rp.wait_state(2, "ALONE", "Ready").state == "ALONE");
  const auto loss = loss_in(rp.data(2) / "journal", seen.last);
  INFO("node2 lacks an acknowledged record: " << loss);
  CHECK(loss.empty());
  const auto log = pair.module_log(1);
  INFO("node1's module log ends with:\n" << log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
  CHECK(log.find("processes still use " + rp.data(1).string()) != std::string::npos);
  CHECK(log.find(std::to_string(stray) + " (") != std::string::npos);
}

TEST_CASE("with killholders on, the stop kills the writer its hooks missed", "[integration][replication][fence]") {
  std::string why;
  if (!can_replicate(why)) {
    WARN("skipped: " << why);
    return;
  }
  ReplicatedPair rp(28969, 69, "async=\"second\" killholders=\"on\"");
  auto& pair = rp.nodes();
  pair.pair_up();
  const auto acked = rp.data(1).parent_path() / "stray-acked";
  const pid_t stray = start_stray_writer(rp.data(1) / "journal", acked);
  REQUIRE(stray > 0);
  REQUIRE(wait_until([&] { return read_acked(acked).last > 100; }, 10s));

  REQUIRE(pair.command(1, "swap").exit_code == 0);
  REQUIRE(rp.wait_state(1, "SECOND", "Ready").state == "SECOND");
  int status = 0;
  REQUIRE(wait_until([&] { return exited(stray, status); }, 10s));
  // Killed by the stop (it holds the journal open whatever its writes answer).
  const auto seen = read_acked(acked);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  REQUIRE(rp.wait_state(2, "PRIM", "Ready").state == "PRIM");
  const auto loss = loss_in(rp.data(2) / "journal", seen.last);
  INFO("node2 lacks an acknowledged record: " << loss);
  CHECK(loss.empty());
  CHECK(pair.module_log(1).find("killing the processes that still use") != std::string::npos);
  // node1, SECOND again, is brought level with what node2 has.
  CHECK(rp.differences() == "");
}

TEST_CASE("a start typed while the primary stops is carried out after the stop", "[integration][replication][fence]") {
  std::string why;
  if (!can_replicate(why)) {
    WARN("skipped: " << why);
    return;
  }
  ReplicatedPair rp(28971, 71);
  auto& pair = rp.nodes();
  pair.pair_up();
  REQUIRE(pair.command(1, "stop", {"--no-wait"}).exit_code == 0);
  auto started = pair.command(1, "start");
  INFO(started.out << started.err);
  CHECK(started.exit_code == 0);
  // node2 took over meanwhile; node1 comes back as its secondary.
  const auto s = rp.wait_state(1, "SECOND", "Ready", 40s);
  CHECK(s.state == "SECOND");
  CHECK(s.substate == "Ready");
  CHECK(rp.wait_state(2, "PRIM", "Ready").state == "PRIM");
}
