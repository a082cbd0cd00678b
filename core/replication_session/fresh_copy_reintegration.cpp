#include "replication_session/fresh_copy_reintegration.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "replication_fs/fs_context.hpp"
#include "replication_fs/tree_transfer.hpp"

namespace haven::replication_session {
namespace {

// Collects what tree_transfer submits, so that it goes out through submit_ordered.
class CollectingSink final : public replication::ChangeSink {
 public:
  explicit CollectingSink(std::vector<replication::Change>& out) : out_(out) {}
  Ticket submit(replication::Change change) override {
    out_.push_back(std::move(change));
    return out_.size();
  }
  Status wait(Ticket) override { return ok_status(); }

 private:
  std::vector<replication::Change>& out_;
};

Result<std::vector<std::string>> top_level_names(int primary_fd, const std::filesystem::path& dir) {
  int fd = ::openat(primary_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(Errc::io_error, "cannot list " + dir.string() + " underneath its mount for reintegration");
  DIR* listing = ::fdopendir(fd);
  if (!listing) {
    ::close(fd);
    return fail(Errc::io_error, "cannot list " + dir.string() + " underneath its mount for reintegration");
  }
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(listing);
  return names;
}

}  // namespace

Reintegrate fresh_copy_reintegration() {
  return [](ReintegrationJob& job) -> Status {
    auto names = top_level_names(job.primary_fd, job.dir);
    if (!names.ok()) return std::move(names).error();
    std::size_t done = 0;
    for (const auto& name : *names) {
      // One top-level entry per turn of the lock, so live changes interleave between them.
      auto sent = job.submit_ordered([&](std::vector<replication::Change>& out) -> Status {
        CollectingSink collector(out);
        replication_fs::detail::FsContext context;
        context.lower_fd = job.primary_fd;
        context.sink = &collector;
        context.filter = job.filter;
        replication_fs::detail::ChangeBatch batch(context);
        replication_fs::detail::send_content(batch, name);  // the batch skips what the filter keeps local
        return ok_status();
      });
      if (!sent.ok())
        return fail(sent.error().code, "fresh copy of " + job.dir.string() + " stopped at '" + name + "': " + sent.error().message);
      ++done;
      if (job.report_progress)
        job.report_progress({{"kind", "fresh copy (stand-in)"}, {"entries_done", done}, {"entries_total", names->size()}});
    }
    return ok_status();
  };
}

}  // namespace haven::replication_session
