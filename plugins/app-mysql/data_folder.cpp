#include "data_folder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace haven::mysql {
namespace {

namespace fs = std::filesystem;

// Owns `path` by the user unless it already is; counts what changed.
Status own(const fs::path& path, const SystemUser& user, std::size_t& changed) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return ok_status();  // gone meanwhile (a temporary file)
    return fail(Errc::io_error, "cannot stat " + path.string() + ": " + std::strerror(errno));
  }
  if (st.st_uid == user.uid && st.st_gid == user.gid) return ok_status();
  if (::lchown(path.c_str(), user.uid, user.gid) != 0)
    return fail(errno == EROFS ? Errc::refused : Errc::io_error,
                "cannot give " + path.string() + " to " + user.name + ": " + std::strerror(errno));
  ++changed;
  return ok_status();
}

}  // namespace

Status prepare_run_files(const MysqlSettings& s, const SystemUser& user) {
  std::error_code ec;
  std::size_t changed = 0;
  for (const auto& dir : {s.run_dir, s.socket.parent_path(), s.pid_file.parent_path()}) {
    if (fs::exists(dir, ec)) continue;
    fs::create_directories(dir, ec);
    if (ec) return fail(Errc::io_error, "cannot make the run folder " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0755);
    if (auto st = own(dir, user, changed); !st) return st;
  }
  if (auto st = own(s.run_dir, user, changed); !st) return st;
  fs::create_directories(s.log.parent_path(), ec);
  if (ec) return fail(Errc::io_error, "cannot make the folder of the log " + s.log.string() + ": " + ec.message());
  const int fd = ::open(s.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return fail(Errc::io_error, "cannot create the log " + s.log.string() + ": " + std::strerror(errno));
  ::close(fd);
  return own(s.log, user, changed);
}

Status prepare_data_folder(const MysqlSettings& s, const SystemUser& user, const AppContext& app) {
  if (auto st = prepare_run_files(s, user); !st) return st;
  std::error_code ec;
  if (!fs::is_directory(s.data, ec)) {
    app.say(LogLevel::info, "prepare: the datadir " + s.data.string() + " does not exist on this node yet");
    return ok_status();
  }
  std::size_t changed = 0;
  Status owned = own(s.data, user, changed);
  if (owned) {
    fs::recursive_directory_iterator it(s.data, fs::directory_options::skip_permission_denied, ec), end;
    for (; owned && !ec && it != end; it.increment(ec)) owned = own(it->path(), user, changed);
    if (owned && ec && ec != std::errc::no_such_file_or_directory)
      owned = fail(Errc::io_error, "cannot list " + s.data.string() + ": " + ec.message());
  }
  if (!owned && owned.error().code == Errc::refused) {
    app.say(LogLevel::info, "prepare: " + s.data.string() + " is read-only here (a secondary's copy); left as it is");
    return ok_status();
  }
  if (!owned) return owned;
  if (changed > 0)
    app.say(LogLevel::info, "prepare: gave " + std::to_string(changed) + " files of " + s.data.string() + " to " +
                                user.name);
  return ok_status();
}

}  // namespace haven::mysql
