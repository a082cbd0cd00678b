#include "data_folder.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "haven/application_support.hpp"

namespace haven::postgresql {
namespace {

namespace fs = std::filesystem;

Status make_run_folder(const fs::path& dir, const SystemUser& user) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return fail(Errc::io_error, "cannot make the socket folder " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 02775);
  }
  if (auto given = give_to_user(dir, user); !given) return std::move(given).error();
  return ok_status();
}

}  // namespace

Status prepare_run_files(const PostgresSettings& s, const SystemUser& user) {
  if (auto st = make_run_folder(s.socket_dir, user); !st) return st;
  return make_user_log(s.log, user);
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
  auto writable = give_tree_to_user(s.data, user, app);
  if (!writable) return std::move(writable).error();
  if (!*writable) return ok_status();  // a secondary's read-only copy: its mode is the primary's

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
