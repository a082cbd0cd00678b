#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "random_tree.hpp"
#include "reintegration/reintegrator.hpp"
#include "reintegration/tree_manifest.hpp"
#include "reintegration/tree_report.hpp"
#include "replication/changed_regions.hpp"
#include "replication_apply/tree_comparison.hpp"
#include "test_support.hpp"

using namespace haven::reintegration;
using haven::replication::Change;
using haven::replication::ChangeKind;

namespace {

TreeManifest manifest_of(const TempDir& dir, std::optional<std::vector<std::string>> roots = std::nullopt) {
  ManifestOptions options;
  options.with_hashes = true;
  options.roots = std::move(roots);
  auto m = build_manifest(dir.fd(), options, "test tree");
  REQUIRE(m.ok());
  return std::move(*m);
}

std::string differences(const TempDir& a, const TempDir& b) {
  auto diff = haven::replication::compare_trees(a.path(), b.path());
  REQUIRE(diff.ok());
  std::string out;
  for (const auto& d : *diff) out += haven::replication::describe(d) + "\n";
  return out;
}

haven::Status run_plan(const TempDir& primary, ApplyingSink& sink, const ReintegrationPlan& plan, ReintegrationOptions options = {}) {
  MutexSubmitter submitter(sink);
  Reintegrator reintegrator(primary.fd(), submitter, std::move(options));
  auto s = reintegrator.run(plan);
  sink.close_files();
  return s;
}

haven::Status reintegrate_full(const TempDir& primary, const TempDir& secondary, ReintegrationOptions options = {}) {
  auto plan = full_plan(manifest_of(primary), manifest_of(secondary));
  REQUIRE(plan.ok());
  ApplyingSink sink(secondary.fd());
  auto s = run_plan(primary, sink, *plan, std::move(options));
  INFO("apply errors: " << sink.errors().size() << (sink.errors().empty() ? "" : " first: " + sink.errors().front()));
  CHECK(sink.errors().empty());
  return s;
}

// Writes `data` at `offset` in the primary's `path` and records it, as the FUSE layer does while ALONE.
void write_recorded(const TempDir& primary, haven::replication::ChangedRegionsLog& log, const std::string& path, std::uint64_t offset,
                    const std::string& data) {
  int fd = ::openat(primary.fd(), path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)) == static_cast<ssize_t>(data.size()));
  ::close(fd);
  REQUIRE(log.record_range(path, offset, data.size()).ok());
}

Change change_of(ChangeKind kind, const std::string& path) {
  Change c;
  c.kind = kind;
  c.path = path;
  return c;
}

class SimulatedClock final : public ReintegrationClock {
 public:
  Duration now() override { return Duration(now_.load()); }
  void sleep_until(Duration when) override {
    auto current = now_.load();
    while (current < when.count() && !now_.compare_exchange_weak(current, when.count())) {
    }
  }

 private:
  std::atomic<std::int64_t> now_{1'000'000'000};
};

// The application during a reintegration: writes, appends, truncates, new files and removals
// on the primary, each done and sent under the ordering lock, as the FUSE layer does.
class LiveWriter {
 public:
  LiveWriter(const TempDir& primary_dir, MutexSubmitter& submitter, std::uint32_t seed)
      : thread_([this, &primary_dir, &submitter, seed] { run(primary_dir, submitter, seed); }) {}
  ~LiveWriter() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int live_changes() const { return live_changes_; }
  int failures() const { return writer_failures_; }
  std::uint64_t bytes_written() const { return written_; }

 private:
  void run(const TempDir& primary, MutexSubmitter& submitter, std::uint32_t seed) {
    auto& stop = stop_;
    std::mt19937 rng(seed);
    const auto files = regular_files(primary.fd());
    for (int i = 0; !stop || i < 200; ++i) {
      const std::string path = rng() % 5 == 0 ? "live-" + std::to_string(rng() % 20) : files[rng() % files.size()];
      auto s = submitter.run([&](std::vector<Change>& out) {
        const int op = static_cast<int>(rng() % 10);
        if (op == 0) {
          if (::unlinkat(primary.fd(), path.c_str(), 0) == 0) out.push_back(change_of(ChangeKind::unlink, path));
          return haven::ok_status();
        }
        int fd = ::openat(primary.fd(), path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
          fd = ::openat(primary.fd(), path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (fd < 0) return haven::ok_status();
          struct stat st {};
          ::fstat(fd, &st);
          Change create = change_of(ChangeKind::create, path);
          create.mode = 0644;
          create.uid = st.st_uid;
          create.gid = st.st_gid;
          create.atime_ns = st.st_atim.tv_sec * 1'000'000'000LL + st.st_atim.tv_nsec;
          create.mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
          out.push_back(create);
        }
        if (fd < 0) return haven::ok_status();
        struct stat st {};
        ::fstat(fd, &st);
        Change c = change_of(op < 3 ? ChangeKind::truncate : ChangeKind::write, path);
        if (op < 3) {
          c.length = static_cast<std::uint64_t>(st.st_size) / 2 + rng() % 4096;
          ::ftruncate(fd, static_cast<off_t>(c.length));
        } else {
          c.offset = st.st_size > 0 ? rng() % static_cast<std::uint64_t>(st.st_size + 4096) : 0;
          c.data = random_bytes(rng, 1 + rng() % 8192);
          c.length = c.data.size();
          ::pwrite(fd, c.data.data(), c.data.size(), static_cast<off_t>(c.offset));
        }
        ::fstat(fd, &st);
        c.mtime_ns = st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec;
        ::close(fd);
        if (c.kind == ChangeKind::write) written_ += c.data.size();
        out.push_back(std::move(c));
        ++live_changes_;
        return haven::ok_status();
      });
      if (!s.ok()) writer_failures_++;  // Catch2 assertions are not for other threads
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> live_changes_{0};
  std::atomic<int> writer_failures_{0};
  std::atomic<std::uint64_t> written_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("full reintegration makes an empty, a partly equal or a diverged secondary equal to the primary") {
  const auto seed = static_cast<std::uint32_t>(GENERATE(11, 12, 13, 14));
  INFO("seed " << seed << " (replay: GENERATE that seed)");
  TempDir primary, secondary;
  make_random_tree(primary.fd(), seed);

  SECTION("empty") {}
  SECTION("partly equal") {
    REQUIRE(reintegrate_full(primary, secondary).ok());
    REQUIRE(differences(primary, secondary).empty());
    mutate_tree(primary.fd(), seed + 1000, 30);
    mutate_tree(secondary.fd(), seed + 2000, 10);
  }
  SECTION("diverged") { make_random_tree(secondary.fd(), seed + 500); }

  REQUIRE(reintegrate_full(primary, secondary).ok());
  CHECK(differences(primary, secondary) == "");
  CHECK(rfsverify(manifest_of(primary), manifest_of(secondary)).empty());
  CHECK(rfsdiff(manifest_of(primary), manifest_of(secondary))->lines.empty());
}

TEST_CASE("fast reintegration sends only the recorded bytes; full, once the record is gone, converges too") {
  TempDir primary, secondary, state;
  RandomTreeOptions big;
  big.entries = 40;
  big.max_file_size = 2 * 1024 * 1024;
  make_random_tree(primary.fd(), 21, big);
  REQUIRE(reintegrate_full(primary, secondary).ok());
  REQUIRE(differences(primary, secondary).empty());

  auto log = haven::replication::ChangedRegionsLog::open(state.path() / "changed-regions");
  REQUIRE(log.ok());
  const auto files = regular_files(primary.fd());
  REQUIRE(files.size() >= 3);
  std::mt19937 rng(21);
  std::uint64_t recorded = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string& path = files[rng() % files.size()];
    struct stat st {};
    REQUIRE(::fstatat(primary.fd(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
    const std::uint64_t offset = st.st_size > 0 ? rng() % static_cast<std::uint64_t>(st.st_size) : 0;
    write_recorded(primary, *log, path, offset, random_bytes(rng, 1 + rng() % 3000));
  }
  // A new file and a removed one: namespace changes the record holds whole.
  ::mkdirat(primary.fd(), "fresh", 0755);
  std::string fresh_data = random_bytes(rng, 12345);
  write_recorded(primary, *log, files[0], 0, "");  // an empty write records nothing
  {
    int fd = ::openat(primary.fd(), "fresh/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    REQUIRE(::write(fd, fresh_data.data(), fresh_data.size()) == static_cast<ssize_t>(fresh_data.size()));
    ::close(fd);
  }
  REQUIRE(log->record_whole("fresh").ok());
  REQUIRE(::unlinkat(primary.fd(), files[1].c_str(), 0) == 0);
  REQUIRE(log->record_whole(files[1]).ok());
  REQUIRE(log->sync().ok());
  for (const auto& [path, changes] : log->regions())
    if (!changes.whole) recorded += haven::replication::total_length(changes.ranges);

  SECTION("fast") {
    auto reopened = haven::replication::ChangedRegionsLog::open(state.path() / "changed-regions");
    REQUIRE(reopened.ok());
    REQUIRE(reopened->intact());
    const auto roots = whole_paths(reopened->regions());
    auto plan = fast_plan(*reopened, manifest_of(primary, roots), manifest_of(secondary, roots));
    REQUIRE(plan.ok());
    ApplyingSink sink(secondary.fd());
    REQUIRE(run_plan(primary, sink, *plan).ok());
    CHECK(sink.errors().empty());
    // The recorded ranges (clipped to the files' sizes) and the new file: nothing else.
    CHECK(sink.written() <= recorded + fresh_data.size());
    CHECK(sink.written() >= fresh_data.size());
    CHECK(sink.written() < recorded + fresh_data.size() + 1);
  }
  SECTION("full after the record is deleted") {
    std::filesystem::remove(state.path() / "changed-regions");
    REQUIRE(reintegrate_full(primary, secondary).ok());
  }
  CHECK(differences(primary, secondary) == "");
}

TEST_CASE("full reintegration while a writer changes the primary ends with equal trees") {
  const unsigned streams = GENERATE(1u, 4u);
  const auto seed = static_cast<std::uint32_t>(GENERATE(31, 32));
  INFO("seed " << seed << ", nbrei " << streams);
  TempDir primary, secondary;
  RandomTreeOptions options;
  options.entries = 80;
  make_random_tree(primary.fd(), seed, options);
  make_random_tree(secondary.fd(), seed + 7, options);  // diverged
  const auto plan = full_plan(manifest_of(primary), manifest_of(secondary));
  REQUIRE(plan.ok());

  ApplyingSink sink(secondary.fd());
  MutexSubmitter submitter(sink);
  LiveWriter writer(primary, submitter, seed * 3);
  ReintegrationOptions ro;
  ro.streams = streams;
  ro.packet_size = 64 * 1024;  // many turns of the lock, so live changes interleave
  Reintegrator reintegrator(primary.fd(), submitter, ro);
  const auto result = reintegrator.run(*plan);
  writer.stop();
  sink.close_files();
  REQUIRE(result.ok());
  CHECK(writer.live_changes() > 0);
  // Seen once on a loaded CI machine (seed 32, nbrei 4): one live change the secondary could not apply.
  INFO("apply errors: " << sink.errors().size() << (sink.errors().empty() ? "" : " first: " + sink.errors().front()));
  CHECK(writer.failures() == 0);
  CHECK(sink.errors().empty());
  CHECK(differences(primary, secondary) == "");
}

TEST_CASE("fast reintegration while a writer changes the primary sends the recorded bytes and ends with equal trees") {
  const unsigned streams = GENERATE(1u, 3u);
  INFO("nbrei " << streams);
  TempDir primary, secondary, state;
  RandomTreeOptions options;
  options.entries = 60;
  options.max_file_size = 1024 * 1024;
  make_random_tree(primary.fd(), 61, options);
  REQUIRE(reintegrate_full(primary, secondary).ok());
  REQUIRE(differences(primary, secondary) == "");
  auto log = haven::replication::ChangedRegionsLog::open(state.path() / "changed-regions");
  REQUIRE(log.ok());
  const auto files = regular_files(primary.fd());
  std::mt19937 rng(61);
  for (int i = 0; i < 30; ++i) {
    const std::string& path = files[rng() % files.size()];
    struct stat st {};
    REQUIRE(::fstatat(primary.fd(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
    write_recorded(primary, *log, path, st.st_size > 0 ? rng() % static_cast<std::uint64_t>(st.st_size) : 0, random_bytes(rng, 1 + rng() % 5000));
  }
  std::uint64_t recorded = 0;
  for (const auto& [path, changes] : log->regions()) recorded += haven::replication::total_length(changes.ranges);
  std::uint64_t tree_bytes = 0;
  for (const auto& f : regular_files(primary.fd())) tree_bytes += std::filesystem::file_size(primary.path() / f);
  auto links = build_manifest(primary.fd(), {}, "primary");
  REQUIRE(links.ok());
  auto plan = fast_plan(*log, manifest_of(primary, std::vector<std::string>{}), manifest_of(secondary, std::vector<std::string>{}), &*links);
  REQUIRE(plan.ok());

  ApplyingSink sink(secondary.fd());
  MutexSubmitter submitter(sink);
  LiveWriter writer(primary, submitter, 62);
  ReintegrationOptions ro;
  ro.streams = streams;
  ro.packet_size = 4096;
  Reintegrator reintegrator(primary.fd(), submitter, ro);
  const auto result = reintegrator.run(*plan);
  writer.stop();
  sink.close_files();
  REQUIRE(result.ok());
  CHECK(writer.failures() == 0);
  CHECK(sink.errors().empty());
  // The writer's own bytes plus the recorded ranges; a hard-linked name the writer unlinked
  // and made again is sent whole, so allow for a few files more, far from the whole tree.
  CHECK(sink.written() >= writer.bytes_written());
  CHECK(sink.written() - writer.bytes_written() < recorded + tree_bytes / 2);
  CHECK(differences(primary, secondary) == "");
}

TEST_CASE("nbrei workers give the same tree as one, and progress reaches the total") {
  TempDir primary, one, many;
  make_random_tree(primary.fd(), 41);
  REQUIRE(reintegrate_full(primary, one).ok());
  ReintegrationOptions options;
  options.streams = 6;
  ReintegrationProgress last;
  std::uint64_t reports = 0;
  options.on_progress = [&](const ReintegrationProgress& p) {
    CHECK(p.bytes_done >= last.bytes_done);
    last = p;
    ++reports;
  };
  REQUIRE(reintegrate_full(primary, many, options).ok());
  CHECK(differences(primary, many) == "");
  CHECK(differences(one, many) == "");
  CHECK(last.finished);
  CHECK(last.files_done == last.files_total);
  CHECK(last.bytes_done <= last.bytes_total);  // holes are skipped
  CHECK(reports > last.files_total);
}

TEST_CASE("the bandwidth cap holds in simulated time") {
  TempDir primary, secondary;
  const std::string data(4 * 1024 * 1024, 'q');
  {
    int fd = ::openat(primary.fd(), "big", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    ::close(fd);
  }
  SimulatedClock clock;
  ReintegrationOptions options;
  options.allowed_kb_per_second = 512;  // 4 MiB at 512 KiB/s: 8 s, less the first packet's burst
  options.packet_size = 256 * 1024;
  options.streams = GENERATE(1u, 3u);
  options.clock = &clock;
  ReintegrationProgress last;
  options.on_progress = [&](const ReintegrationProgress& p) { last = p; };
  const auto start = clock.now();
  REQUIRE(reintegrate_full(primary, secondary, options).ok());
  const double seconds = std::chrono::duration<double>(clock.now() - start).count();
  CHECK(seconds >= 7.5 - 0.01);
  CHECK(seconds <= 8.0 + 0.01);
  CHECK(last.bytes_per_second <= 512 * 1024 * 1.07);
  CHECK(differences(primary, secondary) == "");
}

TEST_CASE("a secondary lost half way is reported as a failed reintegration") {
  TempDir primary, secondary;
  make_random_tree(primary.fd(), 51);
  auto plan = full_plan(manifest_of(primary), manifest_of(secondary));
  REQUIRE(plan.ok());
  ApplyingSink sink(secondary.fd());
  sink.fail_from(40);
  ReintegrationOptions options;
  options.streams = 3;
  auto s = run_plan(primary, sink, *plan, options);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == haven::Errc::io_error);
  CHECK(s.error().message.find("the secondary is lost") != std::string::npos);
  CHECK(s.error().message.find("not up to date") != std::string::npos);
  CHECK(differences(primary, secondary) != "");
}

TEST_CASE("a longer stale copy on the secondary leaves no old bytes when the primary grows the file by a truncate meanwhile") {
  TempDir primary, secondary;
  const std::string old_data(262144, 's');
  const std::string new_data(200000, 'p');
  {
    int fd = ::openat(primary.fd(), "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    REQUIRE(::pwrite(fd, new_data.data(), new_data.size(), 0) == static_cast<ssize_t>(new_data.size()));
    ::close(fd);
    fd = ::openat(secondary.fd(), "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    REQUIRE(::pwrite(fd, old_data.data(), old_data.size(), 0) == static_cast<ssize_t>(old_data.size()));
    ::close(fd);
  }
  auto plan = full_plan(manifest_of(primary), manifest_of(secondary));
  REQUIRE(plan.ok());
  REQUIRE(plan->files.size() == 1);
  CHECK(plan->files[0].ranges.back() == haven::replication::ByteRange{200000, 262144 - 200000});  // the stale tail

  ApplyingSink sink(secondary.fd());
  SECTION("grown before the file's turn") {
    // The application's ftruncate, done on the primary and replicated live to the secondary.
    REQUIRE(::truncate((primary.path() / "f").c_str(), 200080) == 0);
    REQUIRE(::truncate((secondary.path() / "f").c_str(), 200080) == 0);
    REQUIRE(run_plan(primary, sink, *plan).ok());
  }
  SECTION("grown after it") {
    REQUIRE(run_plan(primary, sink, *plan).ok());
    REQUIRE(::truncate((primary.path() / "f").c_str(), 200080) == 0);
    REQUIRE(::truncate((secondary.path() / "f").c_str(), 200080) == 0);
  }
  CHECK(sink.errors().empty());
  CHECK(differences(primary, secondary) == "");
}
