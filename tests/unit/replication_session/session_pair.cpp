#include "session_pair.hpp"

#include <catch2/catch.hpp>

#include "random_file_operations.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "replication_apply/tree_comparison.hpp"
#include "replication_session/fresh_copy_reintegration.hpp"

namespace haven::replication_session::testing {
namespace {

bool port_free(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

// A base port with kMaxReplicatedDirs free ports from it, found by asking the kernel.
std::uint16_t free_base_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    const std::uint16_t base = ntohs(address.sin_port);
    if (base > 65000) continue;
    bool all = true;
    for (std::uint16_t i = 0; i < kMaxReplicatedDirs; ++i) all = all && port_free(static_cast<std::uint16_t>(base + i));
    if (all) return base;
  }
  throw std::runtime_error("no free loopback ports for the replication test");
}

}  // namespace

std::string why_fuse_unavailable() {
  if (geteuid() != 0) return "the replication session tests need root (mounting)";
  if (access("/dev/fuse", R_OK | W_OK) != 0) return "/dev/fuse is missing or not usable";
  return {};
}

ReplicationCallbacks Events::callbacks() {
  ReplicationCallbacks callbacks;
  auto note = [this](auto change) {
    {
      std::lock_guard lock(mutex);
      change();
    }
    changed.notify_all();
  };
  callbacks.in_sync = [this, note] { note([this] { ++in_sync; }); };
  callbacks.secondary_in_sync = [this, note] { note([this] { ++secondary_in_sync; }); };
  callbacks.secondary_lost = [this, note](const std::string& why) { note([this, why] { lost.push_back(why); }); };
  callbacks.stream_ended = [this, note](const std::string& why) { note([this, why] { ended.push_back(why); }); };
  callbacks.reintegration_failed = [this, note](const std::string& why) { note([this, why] { failed.push_back(why); }); };
  return callbacks;
}

SessionPair::SessionPair(config::AsyncMode async, std::size_t dirs, Reintegrate reintegrate)
    : async_(async), dirs_(dirs), reintegrate_(reintegrate ? std::move(reintegrate) : fresh_copy_reintegration()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "haven-session-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
  for (std::size_t i = 0; i < dirs_; ++i) {
    std::filesystem::create_directories(a(i));
    std::filesystem::create_directories(b(i));
    lower_a_.push_back(open(a(i).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    lower_b_.push_back(open(b(i).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  auto key = generate_cluster_key();
  if (!key.ok()) throw std::runtime_error(key.error().message);
  key_ = *key;
  base_port_ = free_base_port();
}

void SessionPair::join_deciders() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(deciders_mutex_);
    done.swap(deciders_);
  }
  for (auto& t : done) t.join();
}

SessionPair::~SessionPair() {
  join_deciders();
  primary_.reset();
  secondary_.reset();
  for (int fd : lower_a_) close(fd);
  for (int fd : lower_b_) close(fd);
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

ReplicationSessionOptions SessionPair::options(bool primary) const {
  ReplicationSessionOptions o;
  o.rfs.async = async_;
  o.rfs.reiallowedbw = reiallowedbw;
  if (reipacketsize) o.rfs.reipacketsize = *reipacketsize;
  for (std::size_t i = 0; i < dirs_; ++i) {
    config::ReplicatedDir dir;
    dir.dir = (primary ? a(i) : b(i)).string();
    dir.line = 10 + static_cast<int>(i);
    o.rfs.replicated.push_back(dir);
  }
  o.key = key_;
  o.module = "mirror";
  o.local_address = "127.0.0.1";
  o.peer_address = "127.0.0.1";
  o.base_port = base_port_;
  o.timeout = std::chrono::milliseconds(1500);
  o.var_dir = root_ / (primary ? "var-primary" : "var-secondary");
  return o;
}

ReplicationSession& SessionPair::primary() {
  if (!primary_) {
    auto callbacks = primary_events.callbacks();
    callbacks.secondary_lost = [this, noted = callbacks.secondary_lost](const std::string& why) {
      noted(why);
      if (!alone_on_loss) return;
      std::lock_guard lock(deciders_mutex_);
      deciders_.emplace_back([this] {
        if (primary_) primary_->allow_alone();
      });
    };
    auto made = networked_ ? ReplicationSession::create(options(true), callbacks)
                           : ReplicationSession::create(options(true), callbacks, reintegrate_);
    if (!made.ok()) throw std::runtime_error(made.error().message);
    primary_ = std::move(*made);
  }
  return *primary_;
}

ReplicationSession& SessionPair::start_secondary() { return start_secondary(BecomeSecondaryOptions{}); }

ReplicationSession& SessionPair::start_secondary(const BecomeSecondaryOptions& become) {
  if (!secondary_) {
    auto made = ReplicationSession::create(options(false), secondary_events.callbacks(), fresh_copy_reintegration());
    if (!made.ok()) throw std::runtime_error(made.error().message);
    secondary_ = std::move(*made);
  }
  auto became = secondary_->become_secondary(become);
  if (!became.ok()) throw std::runtime_error(became.error().message);
  return *secondary_;
}

namespace {

bool has_hidden(const std::filesystem::path& dir) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename().string().starts_with(".fuse_hidden")) return true;
  return false;
}

}  // namespace

bool settle(const std::filesystem::path& dir) {
  for (int i = 0; i < 500; ++i) {
    if (!has_hidden(dir)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

namespace {

std::string describe_all(const Result<std::vector<replication::TreeDifference>>& differences) {
  if (!differences.ok()) return "cannot compare: " + differences.error().message;
  std::ostringstream out;
  for (const auto& d : *differences) out << replication::describe(d) << "\n";
  return out.str();
}

}  // namespace

std::string tree_differences(const std::filesystem::path& a, const std::filesystem::path& b) {
  return describe_all(replication::compare_trees(a, b));
}

std::string SessionPair::differences(std::size_t i) const {
  return describe_all(replication::compare_trees(lower_a_.at(i), lower_b_.at(i)));
}

void random_operations(const std::filesystem::path& dir, std::uint32_t seed, int count) {
  haven::testing::random_file_operations(dir, seed, count);
}

void write_at(const std::filesystem::path& file, std::uint64_t offset, const std::string& data) {
  const int fd = ::open(file.c_str(), O_CREAT | O_WRONLY, 0644);
  REQUIRE(fd >= 0);
  const auto written = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
  const int saved = errno;
  ::close(fd);
  INFO("errno " << saved);
  REQUIRE(written == static_cast<ssize_t>(data.size()));
}

void start_in_sync(SessionPair& pair) {
  pair.start_secondary();
  REQUIRE(pair.primary().become_primary(true).ok());
  REQUIRE(pair.primary().peer_secondary_ready().ok());
  REQUIRE(pair.primary_events.wait_for([&] { return pair.primary_events.in_sync == 1; }));
}

}  // namespace haven::replication_session::testing
