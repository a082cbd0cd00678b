// Local directory vs the replicated file system over it, with a sink that acknowledges every
// change at once (encoding it first, as the link would): what the FUSE layer itself costs.
// Figures only, no assertion. Needs root and /dev/fuse.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <string>



#include "replication/change_message.hpp"
#include "replication_fs/replicated_fs.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace rfs = haven::replication_fs;

class AckingSink : public haven::replication::ChangeSink {
 public:
  Ticket submit(haven::replication::Change change) override {
    std::lock_guard lock(mutex_);
    change.sequence = ++last_;
    bytes_ += haven::replication::encode(change).size();
    return last_;
  }
  haven::Status wait(Ticket) override { return haven::ok_status(); }
  std::uint64_t changes() const { return last_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  std::mutex mutex_;
  std::uint64_t last_ = 0;
  std::uint64_t bytes_ = 0;
};

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::perror(what.c_str());
    std::exit(1);
  }
}

std::filesystem::path make_temp_dir(const std::filesystem::path& parent) {
  std::string pattern = (parent / "haven-rfs-bench-XXXXXX").string();
  check(mkdtemp(pattern.data()) != nullptr, "mkdtemp " + pattern);
  return pattern;
}

// Seconds taken by `work` in `dir`.
double timed(const std::function<void()>& work) {
  auto start = Clock::now();
  work();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double sequential(const std::filesystem::path& dir, int mebibytes) {
  std::string block(1 << 20, 'x');
  const std::string file = (dir / "sequential").string();
  double seconds = timed([&] {
    int fd = open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    check(fd >= 0, "open " + file);
    for (int i = 0; i < mebibytes; ++i) check(write(fd, block.data(), block.size()) == 1 << 20, "write " + file);
    check(fsync(fd) == 0, "fsync " + file);
    close(fd);
  });
  unlink(file.c_str());
  return mebibytes / seconds;  // MiB/s
}

double random_fsync(const std::filesystem::path& dir, int ops) {
  const std::string file = (dir / "random").string();
  const off_t size = 64 << 20;
  int fd = open(file.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0644);
  check(fd >= 0 && ftruncate(fd, size) == 0, "prepare " + file);
  std::mt19937_64 rng(42);
  std::string block(4096, 'r');
  double seconds = timed([&] {
    for (int i = 0; i < ops; ++i) {
      off_t at = static_cast<off_t>(rng() % (size / 4096)) * 4096;
      check(pwrite(fd, block.data(), block.size(), at) == 4096, "pwrite " + file);
      check(fsync(fd) == 0, "fsync " + file);
    }
  });
  close(fd);
  unlink(file.c_str());
  return ops / seconds;
}

double small_files(const std::filesystem::path& dir, int files) {
  std::string content(4096, 's');
  double seconds = timed([&] {
    for (int i = 0; i < files; ++i) {
      const std::string file = (dir / ("small" + std::to_string(i))).string();
      int fd = open(file.c_str(), O_CREAT | O_WRONLY | O_EXCL, 0644);
      check(fd >= 0, "create " + file);
      check(write(fd, content.data(), content.size()) == 4096, "write " + file);
      close(fd);
      check(unlink(file.c_str()) == 0, "unlink " + file);
    }
  });
  return files / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Throughput of a local directory vs the replicated file system mounted over one"};
  std::string parent = "/var/tmp";
  int mebibytes = 1024, random_ops = 2000, files = 5000;
  int rounds = 3;
  bool direct_io = false;
  app.add_option("--dir", parent, "where the two temporary directories are made (a real disk, not tmpfs)");
  app.add_option("--mib", mebibytes, "sequential: MiB written in 1 MiB writes, then one fsync");
  app.add_option("--random-ops", random_ops, "random: 4 KiB writes, each followed by fsync");
  app.add_option("--files", files, "small files: create + 4 KiB write + close + unlink, this many");
  app.add_option("--rounds", rounds, "runs of each workload, local and replicated alternating; the best is shown");
  app.add_flag("--direct-io", direct_io, "mount with direct_io (no page cache for reads)");
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) {
    std::fprintf(stderr, "replicated_fs_throughput: needs root (it mounts FUSE)\n");
    return 1;
  }

  const auto local = make_temp_dir(parent);
  const auto mounted = make_temp_dir(parent);
  AckingSink sink;
  rfs::ReplicationFilter filter;
  rfs::ReplicatedFsOptions options;
  options.direct_io = direct_io;
  auto fs = rfs::ReplicatedFs::mount(mounted, sink, filter, options);
  if (!fs) {
    std::fprintf(stderr, "%s\n", fs.error().message.c_str());
    return 1;
  }

  struct Row {
    const char* name;
    const char* unit;
    std::function<double(const std::filesystem::path&)> run;
  };
  const Row rows[] = {
      {"sequential 1 MiB writes + fsync", "MiB/s", [&](const auto& d) { return sequential(d, mebibytes); }},
      {"4 KiB random writes, fsync each", "ops/s", [&](const auto& d) { return random_fsync(d, random_ops); }},
      {"create+write 4 KiB+unlink", "files/s", [&](const auto& d) { return small_files(d, files); }},
  };
  std::printf("%-34s %14s %14s %8s\n", "workload", "local", "replicated fs", "ratio");
  for (const auto& row : rows) {
    // Alternating, best of each: other load on the machine hits both sides alike.
    double here = 0, over = 0;
    for (int round = 0; round < rounds; ++round) {
      here = std::max(here, row.run(local));
      over = std::max(over, row.run(mounted));
    }
    std::printf("%-34s %8.1f %-5s %8.1f %-5s %7.2f\n", row.name, here, row.unit, over, row.unit, over / here);
  }
  std::printf("changes sent: %llu, encoded bytes: %llu (direct_io %s, filesystem under %s, best of %d)\n",
              static_cast<unsigned long long>(sink.changes()), static_cast<unsigned long long>(sink.bytes()),
              direct_io ? "on" : "off", parent.c_str(), rounds);

  auto unmounted = (*fs)->unmount();
  if (!unmounted.ok()) std::fprintf(stderr, "%s\n", unmounted.error().message.c_str());
  std::filesystem::remove_all(local);
  std::filesystem::remove_all(mounted);
  return 0;
}
