#include "data_folder.hpp"

#include <sys/stat.h>

#include <filesystem>

#include "haven/application_support.hpp"

namespace haven::mysql {

namespace fs = std::filesystem;

Status prepare_run_files(const MysqlSettings& s, const SystemUser& user) {
  std::error_code ec;
  for (const auto& dir : {s.run_dir, s.socket.parent_path(), s.pid_file.parent_path()}) {
    if (fs::exists(dir, ec)) continue;
    fs::create_directories(dir, ec);
    if (ec) return fail(Errc::io_error, "cannot make the run folder " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0755);
    if (auto given = give_to_user(dir, user); !given) return std::move(given).error();
  }
  if (auto given = give_to_user(s.run_dir, user); !given) return std::move(given).error();
  return make_user_log(s.log, user);
}

Status prepare_data_folder(const MysqlSettings& s, const SystemUser& user, const AppContext& app) {
  if (auto st = prepare_run_files(s, user); !st) return st;
  std::error_code ec;
  if (!fs::is_directory(s.data, ec)) {
    app.say(LogLevel::info, "prepare: the datadir " + s.data.string() + " does not exist on this node yet");
    return ok_status();
  }
  auto writable = give_tree_to_user(s.data, user, app);
  if (!writable) return std::move(writable).error();
  return ok_status();
}

}  // namespace haven::mysql
