// Reintegration of a tree with 1 % changed: fast (the record of changed regions), full (block
// hashes of both sides) and rsync -a --no-whole-file, side by side in one run.
//
// Each method starts from its own copy of the stale secondary. haven's changes are applied by
// the Applier in this process (no network: what is measured is reading, hashing and applying,
// and the bytes a link would carry); rsync runs local to local, where --no-whole-file makes it
// use its delta algorithm as it would over a network.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/core.h>
#include <mutex>
#include <random>
#include <string>

#include "reintegration/reintegrator.hpp"
#include "reintegration/tree_manifest.hpp"
#include "replication/change_sink.hpp"
#include "replication/changed_regions.hpp"
#include "replication_apply/applier.hpp"
#include "replication_apply/tree_comparison.hpp"

namespace fs = std::filesystem;
using namespace haven::reintegration;

namespace {

using Clock = std::chrono::steady_clock;

// Applies each change at once to the secondary's folder and counts the bytes a link would carry.
class CountingSink final : public haven::replication::ChangeSink {
 public:
  explicit CountingSink(int dir_fd) : applier_(dir_fd) {}
  Ticket submit(haven::replication::Change change) override {
    std::lock_guard lock(mutex_);
    bytes_ += change.data.size() + change.path.size() + change.path2.size() + 64;
    auto s = applier_.apply(change);
    if (!s.ok()) failures_.push_back(s.error().message);
    return ++ticket_;
  }
  haven::Status wait(Ticket) override { return haven::ok_status(); }
  std::uint64_t bytes() const { return bytes_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  std::mutex mutex_;
  haven::replication::Applier applier_;
  std::uint64_t bytes_ = 0;
  Ticket ticket_ = 0;
  std::vector<std::string> failures_;
};

class Submitter final : public OrderedSubmitter {
 public:
  explicit Submitter(haven::replication::ChangeSink& sink) : sink_(sink) {}
  haven::Status run(const Produce& produce) override {
    std::lock_guard lock(order_);
    std::vector<haven::replication::Change> out;
    if (auto s = produce(out); !s.ok()) return s;
    for (auto& c : out) (void)sink_.wait(sink_.submit(std::move(c)));
    return haven::ok_status();
  }

 private:
  haven::replication::ChangeSink& sink_;
  std::mutex order_;
};

int open_dir(const fs::path& p) { return ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }

void fill(std::mt19937_64& rng, std::string& buffer) {
  for (std::size_t i = 0; i + 8 <= buffer.size(); i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(buffer.data() + i, &v, 8);
  }
}

void write_file(const fs::path& p, const std::string& data) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) throw std::runtime_error("cannot write " + p.string());
  ::close(fd);
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

bool equal(const fs::path& a, const fs::path& b) {
  auto diff = haven::replication::compare_trees(a, b);
  if (!diff.ok()) return false;
  for (std::size_t i = 0; i < diff->size() && i < 5; ++i) fmt::print("  difference: {}\n", haven::replication::describe((*diff)[i]));
  return diff->empty();
}

struct Figure {
  std::string method;
  double seconds = 0;
  std::uint64_t bytes = 0;
  bool equal = false;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Reintegration of a tree with 1 % changed: fast vs full vs rsync -a"};
  std::uint64_t size_mib = 1024;
  unsigned files = 256;
  double changed_percent = 1.0;
  unsigned streams = 6;
  std::string where = "/var/tmp";
  std::uint64_t block_kib = haven::replication::kDefaultBlockSize / 1024;
  app.add_option("--size", size_mib, "tree size in MiB (default 1024)");
  app.add_option("--files", files, "number of files (default 256)");
  app.add_option("--changed", changed_percent, "percent of the bytes rewritten in 4 KiB writes (default 1)");
  app.add_option("--nbrei", streams, "reintegration workers (default 6)");
  app.add_option("--block", block_kib, "full reintegration's block size in KiB (default 128)");
  app.add_option("--dir", where, "where the trees are made (default /var/tmp)");
  CLI11_PARSE(app, argc, argv);

  const fs::path root = fs::path(where) / ("haven-reint-bench-" + std::to_string(::getpid()));
  const fs::path primary = root / "primary", record = root / "changed-regions";
  const std::vector<std::string> methods = {"fast", "full", "rsync"};
  fs::create_directories(primary);
  for (const auto& m : methods) fs::create_directories(root / m);

  const std::uint64_t file_size = (size_mib << 20) / files;
  fmt::print("tree: {} files of {} KiB ({} MiB) in {}\n", files, file_size >> 10, size_mib, root.string());
  auto start = Clock::now();
  std::mt19937_64 rng(42);
  std::string data(file_size, '\0');
  for (unsigned i = 0; i < files; ++i) {
    fill(rng, data);
    const std::string name = "file-" + std::to_string(i);
    write_file(primary / name, data);
    for (const auto& m : methods) write_file(root / m / name, data);
  }
  // The same mtimes everywhere, as after an earlier reintegration.
  for (unsigned i = 0; i < files; ++i) {
    const timespec t[2] = {{1'700'000'000, 0}, {1'700'000'000, 0}};
    for (const auto& dir : {primary, root / "fast", root / "full", root / "rsync"}) ::utimensat(AT_FDCWD, (dir / ("file-" + std::to_string(i))).c_str(), t, 0);
  }
  fmt::print("made in {:.1f} s\n", seconds_since(start));

  // The application, while the secondary is away: 4 KiB writes spread over the tree, recorded.
  auto log = haven::replication::ChangedRegionsLog::open(record);
  if (!log.ok()) return fmt::print(stderr, "{}\n", log.error().message), 1;
  const std::uint64_t writes = static_cast<std::uint64_t>(static_cast<double>(size_mib << 20) * changed_percent / 100.0) / 4096;
  std::string block(4096, '\0');
  for (std::uint64_t i = 0; i < writes; ++i) {
    fill(rng, block);
    const std::string name = "file-" + std::to_string(rng() % files);
    const std::uint64_t offset = (rng() % (file_size / 4096)) * 4096;
    int fd = ::open((primary / name).c_str(), O_WRONLY | O_CLOEXEC);
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(offset)) != 4096) return 1;
    ::close(fd);
    (void)log->record_range(name, offset, 4096);
  }
  (void)log->sync();
  std::uint64_t recorded = 0;
  for (const auto& [p, c] : log->regions()) recorded += haven::replication::total_length(c.ranges);
  fmt::print("changed: {} writes of 4 KiB, {} KiB recorded\n\n", writes, recorded >> 10);

  const int primary_fd = open_dir(primary);
  std::vector<Figure> figures;
  ReintegrationOptions options;
  options.streams = streams;
  {
    const int fd = open_dir(root / "fast");
    start = Clock::now();
    ManifestOptions mo;
    mo.with_hashes = true;
    mo.roots = whole_paths(log->regions());
    mo.block_size = block_kib * 1024;
    auto p = build_manifest(primary_fd, mo, "primary");
    auto s = build_manifest(fd, mo, "secondary");
    auto links = build_manifest(primary_fd, {}, "primary");
    auto plan = fast_plan(*log, *p, *s, &*links);
    CountingSink sink(fd);
    Submitter submitter(sink);
    auto r = Reintegrator(primary_fd, submitter, options).run(*plan);
    figures.push_back({"fast (recorded regions)", seconds_since(start), sink.bytes(), false});
    if (!r.ok() || !sink.failures().empty()) fmt::print("fast failed\n");
    ::close(fd);
  }
  {
    const int fd = open_dir(root / "full");
    start = Clock::now();
    ManifestOptions mo;
    mo.with_hashes = true;
    mo.block_size = block_kib * 1024;
    auto p = build_manifest(primary_fd, mo, "primary");
    auto s = build_manifest(fd, mo, "secondary");
    auto plan = full_plan(*p, *s);
    CountingSink sink(fd);
    Submitter submitter(sink);
    auto r = Reintegrator(primary_fd, submitter, options).run(*plan);
    // What the secondary's manifest costs on the link (8 bytes per 128 KiB block and the names).
    std::uint64_t manifest_bytes = 0;
    for (const auto& e : s->entries) manifest_bytes += e.path.size() + 64 + (e.hashes ? e.hashes->hashes.size() * 8 : 0);
    figures.push_back({"full (" + std::to_string(block_kib) + " KiB block hashes)", seconds_since(start), sink.bytes() + manifest_bytes, false});
    if (!r.ok() || !sink.failures().empty()) fmt::print("full failed\n");
    ::close(fd);
  }
  {
    start = Clock::now();
    const std::string command = "rsync -a --no-whole-file --stats " + primary.string() + "/ " + (root / "rsync").string() + "/ 2>&1";
    std::uint64_t sent = 0, received = 0;
    bool ran = false;
    if (FILE* out = ::popen(command.c_str(), "r")) {
      char line[512];
      while (std::fgets(line, sizeof line, out) != nullptr) {
        std::string l = line;
        auto number = [&](const std::string& key, std::uint64_t& v) {
          if (l.rfind(key, 0) == 0) {
            std::string digits;
            for (char c : l.substr(key.size())) if (std::isdigit(static_cast<unsigned char>(c))) digits += c; else if (c != ',' && !digits.empty()) break;
            v = digits.empty() ? 0 : std::stoull(digits);
            ran = true;
          }
        };
        number("Total bytes sent: ", sent);
        number("Total bytes received: ", received);
      }
      ::pclose(out);
    }
    if (ran) figures.push_back({"rsync -a --no-whole-file", seconds_since(start), sent + received, false});
    else fmt::print("rsync did not run (is it installed?): no rsync figure\n");
  }
  for (auto& f : figures) {
    const std::string dir = f.method.rfind("fast", 0) == 0 ? "fast" : f.method.rfind("full", 0) == 0 ? "full" : "rsync";
    f.equal = equal(primary, root / dir);
  }

  fmt::print("{:<28} {:>10} {:>14} {:>12} {:>12} {}\n", "method", "seconds", "bytes sent", "time/full", "bytes/full", "equal");
  const Figure& full = figures[1];
  for (const auto& f : figures)
    fmt::print("{:<28} {:>10.2f} {:>14} {:>12.3f} {:>12.3f} {}\n", f.method, f.seconds, f.bytes, f.seconds / full.seconds,
               static_cast<double>(f.bytes) / static_cast<double>(full.bytes), f.equal ? "yes" : "NO");
  ::close(primary_fd);
  std::error_code ec;
  fs::remove_all(root, ec);
  return 0;
}
