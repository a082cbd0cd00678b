// libfuse3's high-level (path) API rather than the low-level (inode) one: every change must
// name its path relative to the replicated directory, which the high-level API hands us, and
// its path locks keep an operation on a path and a rename of that path (or of a parent) from
// overlapping, so a change is always submitted under the name the secondary knows. The cost:
// each hard-link name is its own kernel inode (page cache and attribute cache per name, see
// ReplicatedFsOptions), and unlinking an open file renames it to .fuse_hidden* until it is
// closed (replicated as such, so writes through it still reach the other links there).
#include "replication_fs/replicated_fs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "replication_fs/fs_context.hpp"
#include "replication_fs/mount_table.hpp"
#include "replication_fs/operations.hpp"
#include "replication_fs/read_only_view.hpp"

namespace haven::replication_fs {

using namespace detail;

namespace {

class FsOrderedSubmitter final : public reintegration::OrderedSubmitter {
 public:
  explicit FsOrderedSubmitter(FsContext& context) : context_(context) {}
  Status run(const Produce& produce) override {
    std::vector<replication::ChangeSink::Ticket> tickets;
    {
      std::lock_guard lock(context_.order);
      if (context_.fenced.load())
        return fail(Errc::refused, "the replication file system is fenced: this node left the primary role");
      std::vector<replication::Change> changes;
      if (auto produced = produce(changes); !produced.ok()) return produced;
      tickets.reserve(changes.size());
      for (auto& change : changes) tickets.push_back(context_.sink->submit(std::move(change)));
    }
    Status first_error = ok_status();
    for (auto ticket : tickets) {
      auto waited = context_.sink->wait(ticket);
      if (!waited.ok() && first_error.ok()) first_error = std::move(waited);
    }
    return first_error;
  }

 private:
  FsContext& context_;
};

}  // namespace

struct ReplicatedFs::Impl {
  std::filesystem::path dir;
  ReplicatedFsOptions options;
  FsContext context;
  FsOrderedSubmitter submitter{context};
  fuse* session = nullptr;
  std::thread loop;
  bool mounted = false;

  ~Impl() {
    if (loop.joinable()) loop.join();
    if (session) fuse_destroy(session);
    if (context.lower_fd >= 0) close(context.lower_fd);
  }
};

namespace {

constexpr unsigned kMaxWrite = 1024 * 1024;

void* init(fuse_conn_info* conn, fuse_config* cfg) {
  auto* impl = static_cast<ReplicatedFs::Impl*>(fuse_get_context()->private_data);
  cfg->use_ino = 1;
  cfg->readdir_ino = 1;
  cfg->hard_remove = 0;  // an open file unlinked keeps a name, so its writes still have a path
  cfg->nullpath_ok = 0;
  cfg->kernel_cache = 0;  // op_open keeps a file's pages across opens when it has one name
  cfg->direct_io = impl->options.direct_io ? 1 : 0;
  cfg->entry_timeout = impl->options.entry_timeout;
  cfg->attr_timeout = impl->options.attr_timeout;
  // Every name is made through us, and the kernel drops a cached "no such name" when we
  // create it, so a negative entry may be kept as long as a positive one.
  cfg->negative_timeout = impl->options.entry_timeout;
  conn->max_write = kMaxWrite;
  // A writeback cache would acknowledge writes before we have seen them.
  conn->want &= ~static_cast<unsigned>(FUSE_CAP_WRITEBACK_CACHE);
  return &impl->context;
}

fuse_operations operations() {
  fuse_operations ops{};
  ops.init = init;
  ops.getattr = op_getattr;
  ops.readlink = op_readlink;
  ops.mknod = op_mknod;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.chmod = op_chmod;
  ops.chown = op_chown;
  ops.truncate = op_truncate;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.write_buf = op_write_buf;
  ops.statfs = op_statfs;
  ops.flush = op_flush;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.setxattr = op_setxattr;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.removexattr = op_removexattr;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.releasedir = op_releasedir;
  ops.fsyncdir = op_fsyncdir;
  ops.create = op_create;
  ops.utimens = op_utimens;
  ops.fallocate = op_fallocate;
  ops.copy_file_range = op_copy_file_range;
  ops.lseek = op_lseek;
  return ops;
}

}  // namespace

ReplicatedFs::ReplicatedFs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ReplicatedFs::~ReplicatedFs() {
  if (impl_) (void)unmount(true);
}

const std::filesystem::path& ReplicatedFs::dir() const { return impl_->dir; }
int ReplicatedFs::lower_fd() const { return impl_->context.lower_fd; }
reintegration::OrderedSubmitter& ReplicatedFs::ordered_submitter() { return impl_->submitter; }

Result<std::unique_ptr<ReplicatedFs>> ReplicatedFs::mount(const std::filesystem::path& dir,
                                                          replication::ChangeSink& sink,
                                                          const ReplicationFilter& filter,
                                                          ReplicatedFsOptions options) {
  if (!dir.is_absolute())
    return fail(Errc::invalid_argument,
                fmt::format("replicated directory {}: expected an absolute path", dir.string()));
  const std::string point = mount_point_of(dir);
  if (auto type = top_mount_type(point); type && *type == kHavenFsType)
    return fail(Errc::refused,
                fmt::format("replicated directory {} already carries a haven replication mount (a running "
                            "agent, or one that died); detach it first (havend does, or: umount -l {})",
                            point, point));

  if (is_read_only_view(point))
    return fail(Errc::refused,
                fmt::format("replicated directory {} carries the secondary's read-only view; remove it before "
                            "mounting the primary's replication file system (it would write through the view)",
                            point));

  auto impl = std::make_unique<Impl>();
  impl->dir = point;
  impl->options = options;
  impl->context.sink = &sink;
  impl->context.filter = &filter;
  // Before the mount: afterwards the path leads to the mount, and working through it would
  // come back to us.
  impl->context.lower_fd = open(point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (impl->context.lower_fd < 0)
    return fail(errno == ENOENT ? Errc::not_found : Errc::io_error,
                fmt::format("replicated directory {}: cannot open it ({}); expected an existing directory",
                            point, std::strerror(errno)));

  std::string mount_options = "allow_other,default_permissions,fsname=haven,subtype=haven";
  const char* argv[] = {"haven-replication", "-o", mount_options.c_str()};
  fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
  const fuse_operations ops = operations();
  impl->session = fuse_new(&args, &ops, sizeof ops, impl.get());
  fuse_opt_free_args(&args);
  if (!impl->session)
    return fail(Errc::io_error, fmt::format("replicated directory {}: libfuse refused to create the file system "
                                            "(see its message above); expected libfuse3 with these options: {}",
                                            point, mount_options));
  if (fuse_mount(impl->session, point.c_str()) != 0)
    return fail(Errc::io_error,
                fmt::format("replicated directory {}: cannot mount the replication file system over it; "
                            "expected root and /dev/fuse (modprobe fuse), see libfuse's message above",
                            point));
  impl->mounted = true;
  const unsigned max_threads = options.max_threads;
  fuse* session = impl->session;
  impl->loop = std::thread([session, max_threads] {
    fuse_loop_config* config = fuse_loop_cfg_create();
    fuse_loop_cfg_set_max_threads(config, max_threads);
    fuse_loop_cfg_set_clone_fd(config, 0);
    fuse_loop_mt(session, config);
    fuse_loop_cfg_destroy(config);
  });
  return std::unique_ptr<ReplicatedFs>(new ReplicatedFs(std::move(impl)));
}

void ReplicatedFs::fence() {
  // Under the ordering lock: a change in progress finishes, none starts after.
  std::lock_guard lock(impl_->context.order);
  impl_->context.fenced = true;
}

bool ReplicatedFs::fenced() const { return impl_->context.fenced.load(); }

Status ReplicatedFs::detach() {
  if (!impl_->mounted) return ok_status();
  if (umount2(impl_->dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL)
    return fail(Errc::io_error, fmt::format("replicated directory {}: cannot detach the replication file system: {}",
                                            impl_->dir.string(), std::strerror(errno)));
  impl_->mounted = false;
  return ok_status();
}

Status ReplicatedFs::unmount(bool lazy) {
  if (!impl_->mounted) return ok_status();
  // EINVAL: no longer a mount point (havend detached it): only the serving thread is left.
  if (umount2(impl_->dir.c_str(), lazy ? MNT_DETACH : 0) != 0 && errno != EINVAL) {
    const int error = errno;
    if (error == EBUSY)
      return fail(Errc::refused,
                  fmt::format("replicated directory {}: cannot unmount, a file under it is still open or a "
                              "process works in it (fuser -vm {}); stop the application first",
                              impl_->dir.string(), impl_->dir.string()));
    return fail(Errc::io_error, fmt::format("replicated directory {}: unmount failed: {}", impl_->dir.string(),
                                            std::strerror(error)));
  }
  impl_->mounted = false;
  // The kernel ends the connection when the last user of the mount is gone; the loop then
  // returns.
  if (impl_->loop.joinable()) impl_->loop.join();
  return ok_status();
}

bool is_haven_mount(const std::filesystem::path& dir) {
  auto type = top_mount_type(mount_point_of(dir));
  return type && *type == kHavenFsType;
}

Status detach_haven_mount(const std::filesystem::path& dir) {
  const std::string point = mount_point_of(dir);
  // A view may sit under a replication mount (a secondary turned primary): remove ours only.
  for (int layer = 0; layer < 4; ++layer) {
    auto top = top_mount(point);
    if (!top) return ok_status();
    const bool ours = top->type == kHavenFsType || is_read_only_view(point);
    if (!ours) {
      if (layer > 0) return ok_status();
      return fail(Errc::refused, fmt::format("{}: the mount there is {}, not a haven replication mount or "
                                             "read-only view; left as is",
                                             point, top->type));
    }
    if (umount2(point.c_str(), MNT_DETACH) != 0 && errno != EINVAL)
      return fail(Errc::io_error, fmt::format("{}: cannot detach the haven mount left there: {}; expected to run "
                                              "as root",
                                              point, std::strerror(errno)));
  }
  return ok_status();
}

}  // namespace haven::replication_fs
