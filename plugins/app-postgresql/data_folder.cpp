#include "data_folder.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace haven::postgresql {
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

Status make_run_folder(const fs::path& dir, const SystemUser& user) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return fail(Errc::io_error, "cannot make the socket folder " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 02775);
  }
  std::size_t changed = 0;
  return own(dir, user, changed);
}

Status make_log_file(const fs::path& log, const SystemUser& user) {
  std::error_code ec;
  fs::create_directories(log.parent_path(), ec);
  if (ec) return fail(Errc::io_error, "cannot make the folder of the log " + log.string() + ": " + ec.message());
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return fail(Errc::io_error, "cannot create the log " + log.string() + ": " + std::strerror(errno));
  ::close(fd);
  std::size_t changed = 0;
  return own(log, user, changed);
}

}  // namespace

Status prepare_run_files(const PostgresSettings& s, const SystemUser& user) {
  if (auto st = make_run_folder(s.socket_dir, user); !st) return st;
  return make_log_file(s.log, user);
}

Status prepare_data_folder(const PostgresSettings& s, const SystemUser& user, const AppContext& app) {
  if (auto st = prepare_run_files(s, user); !st) return st;
  std::error_code ec;
  if (!fs::is_directory(s.data, ec)) {
    // A secondary's copy arrives with the first reintegration; a primary without one fails
    // its start, saying so.
    app.say(LogLevel::info, "prepare: the data directory " + s.data.string() + " does not exist on this node yet");
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

  struct stat st {};
  if (::stat(s.data.c_str(), &st) != 0)
    return fail(Errc::io_error, "cannot stat " + s.data.string() + ": " + std::strerror(errno));
  if ((st.st_mode & 0027) != 0) {
    if (::chmod(s.data.c_str(), 0700) != 0)
      return fail(Errc::io_error, "cannot close " + s.data.string() + " to other users (chmod 0700): " +
                                      std::strerror(errno));
    app.say(LogLevel::info, "prepare: " + s.data.string() + " was open to other users; now mode 0700");
  }
  return ok_status();
}

}  // namespace haven::postgresql
