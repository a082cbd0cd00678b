#include "replication_session/replication_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "replication_fs/mount_holders.hpp"
#include "replication_fs/read_only_view.hpp"
#include "replication_fs/replication_filter.hpp"
#include "replication_link/replication_receiver.hpp"
#include "replication_link/replication_sender.hpp"
#include "reintegration/manifest_codec.hpp"
#include "reintegration/tree_report.hpp"
#include "replication_apply/beneath_path.hpp"
#include "replication_apply/unique_fd.hpp"
#include "replication_session/conflict_keeper.hpp"
#include "replication_session/directory_sink.hpp"
#include "replication_session/manifest_reintegration.hpp"

namespace haven::replication_session {

struct ReplicationSession::Directory {
  config::ReplicatedDir config;
  std::size_t index = 0;
  replication_fs::ReplicationFilter filter;
  // Primary.
  std::unique_ptr<DirectorySink> sink;
  std::unique_ptr<replication_fs::ReplicatedFs> fs;
  // Secondary.
  std::unique_ptr<replication_fs::ReadOnlyView> view;
  std::unique_ptr<replication::ReplicationReceiver> receiver;
  std::atomic<bool> stream_ended{false};
  std::atomic<bool> marker_seen{false};  ///< the in-sync marker reached since become_secondary
  // Primary: this link's reintegration succeeded and its marker was sent (a rerun after another
  // directory failed leaves it be: its secondary applies strictly again).
  bool marker_sent = false;
  // Reintegration progress, as the Reintegrate function reports it.
  mutable std::mutex progress_mutex;
  nlohmann::json progress;
};

namespace {

std::string where(const config::ReplicatedDir& dir) {
  return fmt::format("userconfig.xml line {} (<replicated dir=\"{}\">)", dir.line, dir.dir);
}

}  // namespace

Result<std::unique_ptr<ReplicationSession>> ReplicationSession::create(ReplicationSessionOptions options,
                                                                       ReplicationCallbacks callbacks,
                                                                       Reintegrate reintegrate) {
  const auto& dirs = options.rfs.replicated;
  if (dirs.size() > kMaxReplicatedDirs)
    return fail(Errc::invalid_argument,
                fmt::format("module {}: <rfs> at userconfig.xml line {} has {} <replicated> directories; at most {} are "
                            "supported (one replication port each, 4 ports per module)",
                            options.module, options.rfs.line, dirs.size(), kMaxReplicatedDirs));
  if (!reintegrate) return fail(Errc::invalid_argument, "module " + options.module + ": the replication session needs a reintegration function");
  std::unique_ptr<ReplicationSession> session(new ReplicationSession(std::move(options), std::move(callbacks), std::move(reintegrate)));
  std::set<std::filesystem::path> seen;
  for (std::size_t i = 0; i < session->options_.rfs.replicated.size(); ++i) {
    const auto& dir = session->options_.rfs.replicated[i];
    const std::filesystem::path path(dir.dir);
    if (!path.is_absolute())
      return fail(Errc::invalid_argument, where(dir) + ": the directory must be an absolute path");
    auto normal = path.lexically_normal();
    if (!normal.has_filename() && normal.has_parent_path()) normal = normal.parent_path();  // "/srv/data/"
    if (!seen.insert(normal).second)
      return fail(Errc::invalid_argument, where(dir) + ": the directory is replicated twice in this module");
    auto filter = replication_fs::ReplicationFilter::from_config(dir.notreplicated, fmt::format("userconfig.xml line {}", dir.line));
    if (!filter.ok()) return std::move(filter).error();
    auto directory = std::make_unique<Directory>();
    directory->config = dir;
    directory->index = i;
    directory->filter = std::move(*filter);
    session->directories_.push_back(std::move(directory));
  }
  return session;
}

Result<std::unique_ptr<ReplicationSession>> ReplicationSession::create(ReplicationSessionOptions options,
                                                                       ReplicationCallbacks callbacks) {
  auto reintegrate = networked_reintegration(options.rfs);
  return create(std::move(options), std::move(callbacks), std::move(reintegrate));
}

ReplicationSession::ReplicationSession(ReplicationSessionOptions options, ReplicationCallbacks callbacks, Reintegrate reintegrate)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      reintegrate_(std::move(reintegrate)),
      log_(options_.log ? options_.log : spdlog::default_logger()) {}

ReplicationSession::~ReplicationSession() {
  join_reintegration();
  auto stopped = stop(true);
  if (!stopped.ok()) log_->error("module {}: replication stop at exit: {}", options_.module, stopped.error().message);
}

std::string ReplicationSession::link_name(std::size_t index) const {
  // The link's key and TLS identity: a link of another directory (or module) is refused.
  return fmt::format("{} dir {}", options_.module, index);
}

std::uint16_t ReplicationSession::peer_port(std::size_t index) const {
  if (index < options_.peer_ports.size()) return options_.peer_ports[index];
  return static_cast<std::uint16_t>(options_.base_port + index);
}

std::filesystem::path ReplicationSession::record_file(std::size_t index) const {
  return options_.var_dir / "replication" / fmt::format("changed-regions-{}.log", index);
}

void ReplicationSession::unmount_all_quietly() {
  for (auto& d : directories_) {
    std::unique_ptr<replication_fs::ReplicatedFs> fs;
    std::unique_ptr<DirectorySink> sink;
    std::unique_ptr<replication::ReplicationReceiver> receiver;
    std::unique_ptr<replication_fs::ReadOnlyView> view;
    {
      std::lock_guard parts(parts_mutex_);
      fs = std::move(d->fs);
      sink = std::move(d->sink);
      receiver = std::move(d->receiver);
      view = std::move(d->view);
    }
    if (fs) {
      auto unmounted = fs->unmount(true);
      if (!unmounted.ok()) log_->error("module {}: {}", options_.module, unmounted.error().message);
      fs.reset();
    }
    sink.reset();
    receiver.reset();
    if (view) {
      auto removed = view->unmount();
      if (!removed.ok()) log_->error("module {}: {}", options_.module, removed.error().message);
    }
  }
}

Status ReplicationSession::become_primary(bool peer_reachable) {
  std::lock_guard lock(mutex_);
  if (role_ != Role::none)
    return fail(Errc::refused, "module " + options_.module + ": replication already runs here; stop it before becoming primary");
  std::error_code ec;
  std::filesystem::create_directories(options_.var_dir / "replication", ec);
  if (ec)
    return fail(Errc::io_error, fmt::format("module {}: cannot create {} for the records of changed regions: {}", options_.module,
                                            (options_.var_dir / "replication").string(), ec.message()));
  for (auto& d : directories_) {
    auto record = replication::ChangedRegionsLog::open(record_file(d->index));
    if (!record.ok()) {
      unmount_all_quietly();
      return fail(record.error().code, fmt::format("module {}: {}: {}", options_.module, where(d->config), record.error().message));
    }
    if (!record->intact())
      log_->warn("module {}: the record of changed regions of {} is damaged ({}): the next reintegration must be full",
                 options_.module, d->config.dir, record->damage());
    auto sink = std::make_unique<DirectorySink>(std::move(*record));
    auto fs = replication_fs::ReplicatedFs::mount(d->config.dir, *sink, d->filter, options_.fs_options);
    if (!fs.ok()) {
      unmount_all_quietly();
      return fail(fs.error().code, fmt::format("module {}: cannot replicate {} ({}): {}; nothing stays mounted",
                                               options_.module, d->config.dir, where(d->config), fs.error().message));
    }
    std::lock_guard parts(parts_mutex_);
    d->sink = std::move(sink);
    d->fs = std::move(*fs);
  }
  std::lock_guard parts(parts_mutex_);
  role_ = Role::primary;
  peer_reachable_ = peer_reachable;
  in_sync_ = false;
  log_->info("module {}: primary: {} replicated director{} mounted, changes recorded until the secondary is ready",
             options_.module, directories_.size(), directories_.size() == 1 ? "y" : "ies");
  return ok_status();
}

Status ReplicationSession::become_secondary() { return become_secondary(BecomeSecondaryOptions{}); }

std::filesystem::path ReplicationSession::conflicts_folder() const {
  std::lock_guard lock(mutex_);
  return conflicts_folder_;
}

Status ReplicationSession::keep_aside(const std::string& node) {
  auto folder = options_.var_dir / "conflicts" / (utc_folder_stamp() + "_" + node);
  {
    // A second split brain kept within the same second (or a retry after a failed copy): a
    // new folder beside it, never mixed with the first.
    std::error_code ec;
    const auto base = folder.string();
    for (int again = 2; std::filesystem::exists(folder, ec) && again < 1000; ++again) folder = base + "-" + std::to_string(again);
  }
  for (auto& d : directories_) {
    const auto file = record_file(d->index);
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) continue;
    auto record = replication::ChangedRegionsLog::open(file);
    if (!record.ok())
      return fail(record.error().code, fmt::format("module {}: cannot read {} to keep aside what this node wrote alone in {}: {}",
                                                   options_.module, file.string(), d->config.dir, record.error().message));
    const bool whole = !record->intact();
    if (!whole && record->regions().empty()) continue;
    std::vector<std::string> paths;
    for (const auto& [path, changes] : record->regions()) paths.push_back(path);
    replication::UniqueFd dir(open(d->config.dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid())
      return fail(Errc::io_error, fmt::format("module {}: cannot open {} to keep aside what this node wrote alone: {}", options_.module,
                                              d->config.dir, std::strerror(errno)));
    const auto destination = folder / fmt::format("{}-{}", d->index, std::filesystem::path(d->config.dir).lexically_normal().filename().string());
    if (whole)
      log_->warn("module {}: the record of what this node wrote alone in {} is damaged ({}): keeping the whole directory aside in {}",
                 options_.module, d->config.dir, record->damage(), destination.string());
    const auto* filter = &d->filter;
    reintegration::PathFilter path_filter = [filter](std::string_view path, bool is_directory) { return filter->replicates(path, is_directory); };
    auto copied = copy_aside(dir.get(), paths, whole, destination, path_filter, d->config.dir + " (module " + options_.module + ")");
    if (!copied.ok())
      return fail(copied.error().code, fmt::format("module {}: {}; nothing is received until it can be kept", options_.module,
                                                   copied.error().message));
    log_->warn("module {}: split brain: kept aside {} entr{} this node wrote alone in {}, in {}", options_.module, *copied,
               *copied == 1 ? "y" : "ies", d->config.dir, destination.string());
    if (auto reset = record->reset(); !reset.ok())
      return fail(reset.error().code, fmt::format("module {}: kept aside in {} but cannot empty {}: {}", options_.module,
                                                  destination.string(), file.string(), reset.error().message));
    conflicts_folder_ = folder;
  }
  return ok_status();
}

Status ReplicationSession::become_secondary(const BecomeSecondaryOptions& become) {
  std::lock_guard lock(mutex_);
  if (role_ != Role::none)
    return fail(Errc::refused, "module " + options_.module + ": replication already runs here; stop it before becoming secondary");
  left_changes_ = false;  // this copy is brought level again from the primary
  conflicts_folder_.clear();
  if (!become.keep_aside.empty())
    if (auto kept = keep_aside(become.keep_aside); !kept.ok()) return kept;
  for (auto& d : directories_) {
    auto view = replication_fs::ReadOnlyView::mount(d->config.dir);
    if (!view.ok()) {
      unmount_all_quietly();
      return fail(view.error().code, fmt::format("module {}: cannot give {} its read-only view ({}): {}; nothing stays mounted",
                                                 options_.module, d->config.dir, where(d->config), view.error().message));
    }
    {
      std::lock_guard parts(parts_mutex_);
      d->view = std::move(*view);
    }
    replication::ReceiverOptions receiver_options;
    receiver_options.address = options_.local_address;
    receiver_options.port = options_.base_port == 0 ? 0 : static_cast<std::uint16_t>(options_.base_port + d->index);
    receiver_options.module = link_name(d->index);
    receiver_options.key = options_.key;
    receiver_options.ack_mode =
        options_.rfs.async == config::AsyncMode::none ? replication::AckMode::after_apply : replication::AckMode::on_receipt;
    receiver_options.handshake_timeout = options_.timeout;
    // The lease (core/replication_link/README.md): ended before the primary, holding what it
    // records for `timeout` after it last heard this node, acknowledges anything this node lacks.
    receiver_options.silence_timeout = options_.timeout / 2;
    receiver_options.tolerant_until_marker = true;  // every stream starts with a reintegration
    receiver_options.keep_setid = options_.rfs.setid;
    receiver_options.keep_devices = options_.rfs.devices;
    d->stream_ended = false;
    d->marker_seen = false;
    Directory* directory = d.get();
    receiver_options.on_in_sync_marker = [this, directory] { note_in_sync_marker(*directory); };
    receiver_options.on_request = [this, directory](std::span<const std::byte> request) {
      return answer_manifest_request(*directory, request);
    };
    auto receiver = replication::ReplicationReceiver::start(
        receiver_options, d->view->lower_fd(), log_, [this, directory](const Error& why) {
          directory->stream_ended = true;
          directory->marker_seen = false;
          in_sync_ = false;
          if (callbacks_.stream_ended) callbacks_.stream_ended(directory->config.dir + ": " + why.message);
        });
    if (!receiver.ok()) {
      unmount_all_quietly();
      return fail(receiver.error().code, fmt::format("module {}: cannot receive {} ({}): {}; nothing stays mounted",
                                                     options_.module, d->config.dir, where(d->config), receiver.error().message));
    }
    std::lock_guard parts(parts_mutex_);
    d->receiver = std::move(*receiver);
  }
  std::lock_guard parts(parts_mutex_);
  role_ = Role::secondary;
  in_sync_ = false;
  log_->info("module {}: secondary: {} replicated director{} read-only, listening for the primary", options_.module,
             directories_.size(), directories_.size() == 1 ? "y" : "ies");
  return ok_status();
}

Status ReplicationSession::peer_secondary_ready(bool full) {
  join_reintegration();
  std::lock_guard lock(mutex_);
  if (role_ != Role::primary)
    return fail(Errc::refused, "module " + options_.module + ": only the primary connects to its secondary");
  // Told again while the links are up (the peer's state repeated): nothing to do.
  bool all_connected = !directories_.empty();
  for (auto& d : directories_) all_connected = all_connected && d->sink->counters().connected;
  if (all_connected && in_sync_) return ok_status();
  if (all_connected) {
    // The last reintegration failed with the links up: run it again on them.
    log_->info("module {}: reintegrating the connected secondary again after a failed attempt", options_.module);
    for (auto& d : directories_)
      if (!d->marker_sent) d->sink->collect_renames();
    reintegrating_ = true;
    reintegration_ = std::thread([this, full] { reintegrate_all(full); });
    return ok_status();
  }
  std::vector<std::shared_ptr<replication::ReplicationSender>> senders;
  for (auto& d : directories_) {
    replication::SenderOptions sender_options;
    sender_options.address = options_.peer_address;
    sender_options.port = peer_port(d->index);
    sender_options.module = link_name(d->index);
    sender_options.key = options_.key;
    sender_options.timeout = options_.timeout;
    sender_options.keepalive_interval = options_.timeout / 10;  // under half the secondary's silence_timeout, with room
    DirectorySink* sink = d->sink.get();
    const std::string dir = d->config.dir;
    auto sender = replication::ReplicationSender::connect(
        sender_options, [sink](std::span<const replication::Change> changes) { return sink->record_lost(changes); }, log_,
        [this, dir](const std::string& why) {
          in_sync_ = false;
          if (callbacks_.secondary_lost) callbacks_.secondary_lost(dir + ": " + why);
        });
    if (!sender.ok()) {
      for (auto& other : directories_) other->sink->record_only();
      return fail(sender.error().code, fmt::format("module {}: cannot connect the replication of {} to {}:{}: {}; changes stay recorded",
                                                   options_.module, dir, options_.peer_address, sender_options.port,
                                                   sender.error().message));
    }
    senders.emplace_back(std::move(*sender));
    d->sink->collect_renames();  // before the first forwarded change: see reintegrate_renamed
    d->sink->forward_to(senders.back());
    d->marker_sent = false;
  }
  in_sync_ = false;
  reintegrating_ = true;
  reintegration_ = std::thread([this, full] { reintegrate_all(full); });
  return ok_status();
}

void ReplicationSession::reintegrate_all(bool full) {
  std::string failure;
  for (auto& d : directories_) {
    if (d->marker_sent) continue;
    ReintegrationJob job;
    job.dir_index = d->index;
    job.dir = d->config.dir;
    job.primary_fd = d->fs->lower_fd();
    job.filter = &d->filter;
    job.record = d->sink->recorded_regions(job.record_intact);
    const bool record_damaged = !job.record_intact;
    if (full) job.record_intact = false;  // the peer may hold anything: compare every block
    DirectorySink* sink = d->sink.get();
    // The file system's own ordering lock: held from each live change to its submit.
    replication_fs::ReplicatedFs* fs = d->fs.get();
    job.submit_ordered = [fs](const DirectorySink::Produce& produce) { return fs->ordered_submitter().run(produce); };
    Directory* directory = d.get();
    job.report_progress = [directory](const nlohmann::json& progress) {
      std::lock_guard progress_lock(directory->progress_mutex);
      directory->progress = progress;
    };
    job.ask_secondary = [sink](std::vector<std::byte> request, const std::string& what) {
      return sink->ask_secondary(std::move(request), what);
    };
    log_->info("module {}: reintegrating {} ({} recorded path(s); {})", options_.module, job.dir.string(), job.record.size(),
               job.record_intact ? "only what the record names"
               : record_damaged  ? "the record is damaged: every file is compared"
                                 : "the peer's copy is not known to equal this one: every file is compared");
    auto done = reintegrate_(job);
    if (done.ok()) done = reintegrate_renamed(job, *sink);
    if (!done.ok()) {
      (void)sink->take_renamed();
      (void)sink->take_renamed();  // the second, empty, stops the noting
      failure = d->config.dir + ": " + done.error().message;
      break;
    }
    auto reset = d->sink->reset_record_if_connected();
    if (!reset.ok()) {
      failure = d->config.dir + ": " + reset.error().message;
      break;
    }
    if (!*reset) {
      failure = d->config.dir + ": the secondary was lost during the reintegration";
      break;
    }
    if (auto marked = d->sink->send_in_sync_marker(); !marked.ok()) {
      failure = d->config.dir + ": " + marked.error().message;
      break;
    }
    d->marker_sent = true;
  }
  reintegrating_ = false;
  if (!failure.empty()) {
    log_->error("module {}: reintegration failed, the secondary stays not up to date: {}", options_.module, failure);
    if (callbacks_.reintegration_failed) callbacks_.reintegration_failed(failure);
    return;
  }
  for (auto& d : directories_)
    if (!d->sink->counters().connected) {
      log_->error("module {}: reintegration finished but {} lost its secondary meanwhile", options_.module, d->config.dir);
      if (callbacks_.reintegration_failed) callbacks_.reintegration_failed(d->config.dir + ": secondary lost after its reintegration");
      return;
    }
  in_sync_ = true;
  log_->info("module {}: the secondary is in sync", options_.module);
  if (callbacks_.in_sync) callbacks_.in_sync();
}

Status ReplicationSession::reintegrate_renamed(ReintegrationJob& job, DirectorySink& sink) {
  // Passes over the names live renames and links touched during the previous pass, until a
  // pass sees none. Each is short (those names only); an application renaming without pause
  // could keep it going, hence the bound.
  constexpr int kMaxPasses = 10;
  for (int pass = 1;; ++pass) {
    auto names = sink.take_renamed();
    if (names.empty()) return ok_status();
    if (pass > kMaxPasses)
      return fail(Errc::timeout, fmt::format("names kept being renamed during {} passes over them ({} more); the secondary is not "
                                          "up to date, the next reintegration tries again",
                                          kMaxPasses, names.size()));
    log_->info("module {}: reintegrating {} again: {} name(s) renamed or linked while it ran (pass {})", options_.module,
               job.dir.string(), names.size(), pass);
    job.record.clear();
    for (auto& name : names) job.record[std::move(name)].whole = true;
    job.record_intact = true;
    if (auto done = reintegrate_(job); !done.ok()) return done;
  }
}

void ReplicationSession::note_in_sync_marker(Directory& directory) {
  directory.marker_seen = true;
  directory.stream_ended = false;
  for (const auto& d : directories_)
    if (!d->marker_seen) return;
  if (in_sync_.exchange(true)) return;
  log_->info("module {}: secondary: the primary's reintegration finished, every replicated directory is up to date", options_.module);
  if (callbacks_.secondary_in_sync) callbacks_.secondary_in_sync();
}

Result<std::vector<std::byte>> ReplicationSession::answer_manifest_request(const Directory& directory,
                                                                           std::span<const std::byte> request) const {
  auto options = reintegration::decode_manifest_request(request);
  if (!options.ok()) return std::move(options).error();
  const auto* filter = &directory.filter;
  options->filter = [filter](std::string_view path, bool is_directory) { return filter->replicates(path, is_directory); };
  const int fd = directory.view ? directory.view->lower_fd() : -1;
  if (fd < 0) return fail(Errc::refused, directory.config.dir + " is not a secondary's directory here any more");
  auto manifest = reintegration::build_manifest(fd, *options, directory.config.dir + " on the secondary");
  if (!manifest.ok()) return std::move(manifest).error();
  return reintegration::encode_manifest(*manifest);
}

Result<nlohmann::json> ReplicationSession::rfsdiff_json() { return compare_with_secondary(false); }
Result<nlohmann::json> ReplicationSession::rfsverify_json() { return compare_with_secondary(true); }

Result<nlohmann::json> ReplicationSession::compare_with_secondary(bool verify) {
  const char* command = verify ? "rfsverify" : "rfsdiff";
  std::shared_lock in_use(in_use_);  // stop() waits: the mounts and sinks stay
  {
    std::lock_guard lock(mutex_);
    if (role_ != Role::primary)
      return fail(Errc::refused, fmt::format("module {}: {} runs on the primary, which asks its secondary for its manifest",
                                             options_.module, command));
  }
  nlohmann::json dirs = nlohmann::json::array();
  for (auto& d : directories_) {
    if (!d->fs || !d->sink)  // unmounted by a stop() refused for another directory
      return fail(Errc::refused, fmt::format("module {}: {}: {} is not mounted any more", options_.module, command, d->config.dir));
    reintegration::ManifestOptions manifest_options;
    manifest_options.with_hashes = true;
    const auto* filter = &d->filter;
    manifest_options.filter = [filter](std::string_view path, bool is_directory) { return filter->replicates(path, is_directory); };
    auto primary = reintegration::build_manifest(d->fs->lower_fd(), manifest_options, d->config.dir + " on the primary");
    if (!primary.ok()) return fail(primary.error().code, fmt::format("module {}: {}: {}", options_.module, command, primary.error().message));
    ReintegrationJob job;
    job.dir_index = d->index;
    job.dir = d->config.dir;
    DirectorySink* sink = d->sink.get();
    job.ask_secondary = [sink](std::vector<std::byte> request, const std::string& what) {
      return sink->ask_secondary(std::move(request), what);
    };
    auto secondary = networked_secondary_manifest()(job, manifest_options);
    if (!secondary.ok())
      return fail(secondary.error().code, fmt::format("module {}: {}: {}", options_.module, command, secondary.error().message));
    nlohmann::json dir{{"dir", d->config.dir}};
    if (verify) {
      nlohmann::json differences = nlohmann::json::array();
      for (const auto& difference : reintegration::rfsverify(*primary, *secondary))
        differences.push_back({{"path", replication::printable_path(difference.path)}, {"what", difference.what}});
      dir["equal"] = differences.empty();
      dir["differences"] = std::move(differences);
    } else {
      auto report = reintegration::rfsdiff(*primary, *secondary);
      if (!report.ok())
        return fail(report.error().code, fmt::format("module {}: rfsdiff of {}: {}", options_.module, d->config.dir, report.error().message));
      nlohmann::json actions = nlohmann::json::array();
      for (const auto& line : report->lines) actions.push_back({{"path", replication::printable_path(line.path)}, {"action", line.action}, {"bytes", line.bytes}});
      dir["data_bytes"] = report->data_bytes;
      dir["actions"] = std::move(actions);
    }
    dirs.push_back(std::move(dir));
  }
  return nlohmann::json{{"module", options_.module}, {"dirs", std::move(dirs)}};
}

void ReplicationSession::join_reintegration() {
  if (reintegration_.joinable()) reintegration_.join();
}

Status ReplicationSession::drain(std::chrono::milliseconds stall) {
  // Not under mutex_ nor parts_mutex_: a drain may last while changes are written, and `haven
  // state` must still answer. Receivers change only through become_secondary() and stop(),
  // which the caller does not run meanwhile.
  for (auto& d : directories_)
    if (d->receiver && !d->receiver->drain(stall))
      return fail(Errc::timeout, fmt::format("module {}: changes received for {} were not all applied: none could be "
                                             "written for {} ms",
                                             options_.module, d->config.dir, stall.count()));
  return ok_status();
}

void ReplicationSession::fence_primary(const std::string& why) {
  std::vector<std::pair<replication_fs::ReplicatedFs*, DirectorySink*>> parts;
  {
    std::lock_guard lock(parts_mutex_);
    if (role_ != Role::primary) return;
    for (auto& d : directories_) parts.emplace_back(d->fs.get(), d->sink.get());
  }
  // The file system first (nothing changes underneath once it returns), then the sinks (what
  // was in flight is settled: acknowledged by a live secondary, or failed).
  for (auto [fs, sink] : parts)
    if (fs) fs->fence();
  for (auto [fs, sink] : parts)
    if (sink) sink->fence(why);
  fenced_ = true;
}

void ReplicationSession::allow_alone() {
  std::lock_guard lock(parts_mutex_);
  if (role_ != Role::primary) return;
  for (auto& d : directories_)
    if (d->sink) d->sink->allow_alone();
}

void ReplicationSession::refuse_unforwarded(const std::string& why) {
  std::lock_guard lock(parts_mutex_);
  if (role_ != Role::primary) return;
  for (auto& d : directories_)
    if (d->sink) d->sink->refuse_unforwarded(why);
}

std::size_t ReplicationSession::held_changes() const {
  std::lock_guard lock(parts_mutex_);
  std::size_t held = 0;
  for (const auto& d : directories_)
    if (d->sink) held += d->sink->held();
  return held;
}

void ReplicationSession::release_primary_directory(Directory& d, bool detached) {
  std::unique_ptr<replication_fs::ReplicatedFs> fs;
  std::unique_ptr<DirectorySink> sink;
  {
    std::lock_guard parts(parts_mutex_);
    fs = std::move(d.fs);
    sink = std::move(d.sink);
  }
  if (sink) sink->record_only();  // closes the link to the secondary
  if (!detached) {                // unmounted: the file system goes first, then what it submitted to
    fs.reset();
    sink.reset();
    return;
  }
  // Detached while processes hold files: the file system serves them (fenced) until they close
  // them, and its sink must outlive it. Neither may hold this thread up.
  {
    std::lock_guard lock(detached_->mutex);
    ++detached_->in_use;
  }
  std::thread([fs = std::move(fs), sink = std::move(sink), detached = detached_]() mutable {
    fs.reset();  // returns once the last holder closed its files
    sink.reset();
    std::lock_guard lock(detached->mutex);
    --detached->in_use;
    detached->released.notify_all();
  }).detach();
}

std::size_t ReplicationSession::detached_in_use() const {
  std::lock_guard lock(detached_->mutex);
  return detached_->in_use;
}

bool ReplicationSession::wait_detached_released(std::chrono::milliseconds limit) {
  std::unique_lock lock(detached_->mutex);
  return detached_->released.wait_for(lock, limit, [this] { return detached_->in_use == 0; });
}

Status ReplicationSession::stop(bool lazy) {
  Role role;
  {
    std::lock_guard parts(parts_mutex_);
    role = role_;
  }
  // Who holds files before the fence: a process that exits on its first refused write is
  // still named.
  std::vector<std::vector<replication_fs::MountHolder>> holders_before(directories_.size());
  if (role == Role::primary && lazy)
    for (std::size_t i = 0; i < directories_.size(); ++i)
      if (directories_[i]->fs) holders_before[i] = replication_fs::find_mount_holders(directories_[i]->config.dir);
  // Fenced before the reintegration is joined: it then fails at its next block instead of
  // running to its end.
  if (role == Role::primary && lazy) fence_primary("module " + options_.module + ": this node left the primary role");
  join_reintegration();
  std::unique_lock in_use(in_use_);
  std::lock_guard lock(mutex_);
  if (role == Role::primary) {
    std::string busy;
    for (auto& d : directories_) {
      if (!d->fs) continue;
      if (d->fs->unmount(false).ok()) {
        release_primary_directory(*d, false);
        continue;
      }
      if (!lazy) {
        busy += (busy.empty() ? "" : "; ") + d->config.dir + " (files still open: fuser -vm " + d->config.dir + ")";
        continue;
      }
      auto live = replication_fs::find_mount_holders(d->config.dir);
      if (!live.empty() && options_.rfs.killholders) {
        log_->warn("module {}: killing the processes that still use {} after the stop hooks (<rfs killholders=\"on\">): {}",
                   options_.module, d->config.dir, replication_fs::describe_holders(live));
        auto left = replication_fs::kill_holders(live, std::chrono::seconds(5));
        if (!left.empty())
          log_->error("module {}: still alive 5 s after SIGKILL: {}", options_.module, replication_fs::describe_holders(left));
        if (d->fs->unmount(false).ok()) {
          release_primary_directory(*d, false);
          continue;
        }
        live = replication_fs::find_mount_holders(d->config.dir);
      }
      // Named with those seen before the fence: one that exited on its first refused write too.
      auto named = live;
      for (const auto& before : holders_before[d->index])
        if (std::none_of(named.begin(), named.end(), [&](const auto& h) { return h.pid == before.pid; })) named.push_back(before);
      if (!named.empty())
        log_->warn("module {}: processes still use {} after the stop hooks: {}. The old mount is fenced: their writes and "
                   "fsyncs fail (EROFS) from now on, nothing they write is replicated or acknowledged. Stop them in "
                   "stop_prim, or set <rfs killholders=\"on\"> to have haven kill them",
                   options_.module, d->config.dir, replication_fs::describe_holders(named));
      if (auto detached = d->fs->detach(); !detached.ok()) {
        log_->error("module {}: {}", options_.module, detached.error().message);
        continue;
      }
      log_->info("module {}: {} detached; the processes above keep a read-only view of it until they close their files",
                 options_.module, d->config.dir);
      release_primary_directory(*d, true);
    }
    if (!busy.empty())
      return fail(Errc::refused, fmt::format("module {}: replication still mounted: {}; detached after the forced stop",
                                             options_.module, busy));
  } else if (role == Role::secondary) {
    for (auto& d : directories_)
      if (d->receiver && !d->receiver->drain(options_.timeout)) {
        left_changes_ = true;
        log_->error("module {}: stopping the secondary of {} with received changes not applied (none could be written "
                    "for {} ms): this copy is not up to date",
                    options_.module, d->config.dir, options_.timeout.count());
      }
    unmount_all_quietly();
  }
  std::lock_guard parts(parts_mutex_);
  role_ = Role::none;
  fenced_ = false;
  in_sync_ = false;
  return ok_status();
}

std::vector<std::uint16_t> ReplicationSession::receiver_ports() const {
  std::lock_guard lock(parts_mutex_);
  std::vector<std::uint16_t> ports;
  for (const auto& d : directories_) ports.push_back(d->receiver ? d->receiver->port() : 0);
  return ports;
}

nlohmann::json ReplicationSession::state_json() const {
  std::lock_guard lock(parts_mutex_);
  nlohmann::json state;
  state["role"] = role_ == Role::primary ? "primary" : role_ == Role::secondary ? "secondary" : "stopped";
  state["in_sync"] = in_sync_.load();
  state["reintegrating"] = reintegrating_.load();
  if (role_ == Role::primary) state["peer_reachable_at_start"] = peer_reachable_;
  if (role_ == Role::primary) state["fenced"] = fenced_.load();
  state["async"] = options_.rfs.async == config::AsyncMode::none ? "none" : "second";
  nlohmann::json dirs = nlohmann::json::array();
  for (const auto& d : directories_) {
    nlohmann::json dir;
    dir["dir"] = d->config.dir;
    dir["mounted"] = d->fs != nullptr;
    dir["view"] = d->view != nullptr;
    if (d->sink) {
      const auto c = d->sink->counters();
      dir["connected"] = c.connected;
      dir["lost"] = c.lost;
      if (c.lost) dir["lost_reason"] = c.lost_reason;
      dir["changes_sent"] = c.changes_sent;
      dir["bytes_sent"] = c.bytes_sent;
      dir["changes_recorded"] = c.changes_recorded;
      dir["record_intact"] = c.record_intact;
      dir["recorded_paths"] = c.recorded_paths;
      dir["held"] = d->sink->held();  // waiting for this node to decide whether it goes on alone
    }
    if (d->receiver) {
      dir["port"] = d->receiver->port();
      dir["applied"] = d->receiver->applied();
      dir["stream_ended"] = d->stream_ended.load();
      dir["in_sync"] = d->marker_seen.load();  // the primary's in-sync marker reached on this stream
    }
    std::lock_guard progress_lock(d->progress_mutex);
    if (!d->progress.is_null()) dir["reintegration"] = d->progress;
    dirs.push_back(std::move(dir));
  }
  state["dirs"] = std::move(dirs);
  return state;
}

}  // namespace haven::replication_session
