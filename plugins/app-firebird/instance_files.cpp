#include "instance_files.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace haven::firebird {
namespace {

namespace fs = std::filesystem;

Status write_file(const fs::path& file, const std::string& text) {
  const fs::path temporary = file.string() + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc | std::ios::binary);
    out << text;
    if (!out.flush()) return fail(Errc::io_error, "cannot write " + temporary.string());
  }
  std::error_code ec;
  fs::permissions(temporary, fs::perms(0644), ec);
  fs::rename(temporary, file, ec);
  if (ec) return fail(Errc::io_error, "cannot put " + file.string() + " in place: " + ec.message());
  return ok_status();
}

Result<std::string> read_text(const fs::path& file, std::string_view what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Errc::not_found, "cannot read " + std::string(what) + " " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Status make_folder(const fs::path& dir, fs::perms mode) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Errc::io_error, "cannot make the folder " + dir.string() + ": " + ec.message());
  fs::permissions(dir, mode, ec);
  if (ec) return fail(Errc::io_error, "cannot set the mode of " + dir.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace

Status write_instance_files(const FirebirdSettings& s, const UserAccount& user) {
  if (auto st = make_folder(s.run_dir, fs::perms(0755)); !st) return st;
  if (auto st = make_folder(s.lock_dir(), fs::perms(0770)); !st) return st;
  if (auto given = give_to_user(s.lock_dir(), user); !given) return std::move(given).error();
  std::string extra;
  if (!s.config.empty()) {
    auto text = read_text(s.config, "the Firebird configuration lines (config setting)");
    if (!text) return std::move(text).error();
    extra = std::move(*text);
  }
  if (auto st = write_file(s.conf_dir() / "firebird.conf", firebird_conf_text(s, extra)); !st) return st;
  if (auto st = write_file(s.conf_dir() / "databases.conf", databases_conf_text(s)); !st) return st;
  std::string plugins = "# No plugins.conf (plugins_conf setting) on this node\n";
  std::error_code ec;
  if (!s.plugins_conf.empty() && fs::exists(s.plugins_conf, ec)) {
    auto text = read_text(s.plugins_conf, "the Firebird plugins configuration (plugins_conf setting)");
    if (!text) return std::move(text).error();
    plugins = std::move(*text);
  }
  if (auto st = write_file(s.conf_dir() / "plugins.conf", plugins); !st) return st;
  // A copy, not a link: Firebird loads a character set module only from a real file in its
  // root's intl/ (through a link it reports the character set "not installed").
  if (const auto install = find_install_dir(); !install.empty() && fs::exists(install / "intl" / "libfbintl.so", ec)) {
    const auto intl = s.conf_dir() / "intl";
    if (fs::is_symlink(intl, ec)) fs::remove(intl, ec);
    if (auto st = make_folder(intl, fs::perms(0755)); !st) return st;
    fs::copy_file(install / "intl" / "libfbintl.so", intl / "libfbintl.so", fs::copy_options::update_existing, ec);
    if (ec)
      return fail(Errc::io_error, "cannot copy " + (install / "intl" / "libfbintl.so").string() + " to " +
                                      intl.string() + ": " + ec.message());
  }
  if (!s.pid_file.parent_path().empty() && !fs::exists(s.pid_file.parent_path(), ec))
    if (auto st = make_folder(s.pid_file.parent_path(), fs::perms(0755)); !st) return st;
  return make_user_log(s.log, user);
}

Status prepare_instance(const FirebirdSettings& s, const UserAccount& user, const AppContext& app) {
  if (auto st = write_instance_files(s, user); !st) return st;
  std::error_code ec;
  if (!fs::is_directory(s.data, ec)) {
    app.say(LogLevel::info, "prepare: the data folder " + s.data.string() + " does not exist on this node yet");
    return ok_status();
  }
  auto writable = give_tree_to_user(s.data, user, app);
  if (!writable) return std::move(writable).error();
  return ok_status();
}

}  // namespace haven::firebird
