#include "postgresql_settings.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>

#include "haven/application_support.hpp"

namespace haven::postgresql {
namespace {

namespace fs = std::filesystem;

// "15" < "16", "9.6" < "10": compare the numbers, not the text.
bool version_less(const std::string& a, const std::string& b) {
  auto major = [](const std::string& v) {
    double x = 0;
    std::from_chars(v.data(), v.data() + v.size(), x);
    return x;
  };
  return major(a) < major(b);
}

std::string listed(const std::vector<std::string>& versions) {
  std::string out;
  for (const auto& v : versions) out += (out.empty() ? "" : ", ") + v;
  return out.empty() ? "none" : out;
}

}  // namespace

std::vector<std::string> installed_versions(const fs::path& root) {
  std::vector<std::string> versions;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code exists_ec;
    if (fs::exists(it->path() / "bin" / "pg_ctl", exists_ec)) versions.push_back(it->path().filename().string());
  }
  std::sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) { return version_less(b, a); });
  return versions;
}

Result<std::string> choose_version(const std::string& asked, const std::optional<std::string>& in_data,
                                   const std::vector<std::string>& installed, const std::string& data) {
  const bool asked_installed = std::find(installed.begin(), installed.end(), asked) != installed.end();
  if (!asked.empty()) {
    if (in_data && *in_data != asked)
      return fail(Errc::invalid_argument, "PostgreSQL setting version=\"" + asked + "\" does not match the data directory " +
                                              data + ", whose PG_VERSION says " + *in_data +
                                              ": set version to " + *in_data + " (or point data at a cluster of version " +
                                              asked + ")");
    if (!asked_installed)
      return fail(Errc::not_found, "PostgreSQL " + asked + " is not installed on this node (installed: " +
                                       listed(installed) + "): apt-get install postgresql-" + asked);
    return asked;
  }
  if (in_data) {
    if (std::find(installed.begin(), installed.end(), *in_data) == installed.end())
      return fail(Errc::not_found, "the data directory " + data + " is of PostgreSQL " + *in_data +
                                       ", which is not installed on this node (installed: " + listed(installed) +
                                       "): apt-get install postgresql-" + *in_data);
    return *in_data;
  }
  if (installed.size() == 1) return installed.front();
  return fail(Errc::invalid_argument, "cannot tell which PostgreSQL to run for " + data +
                                          " (no PG_VERSION there; installed: " + listed(installed) +
                                          "): set the version setting");
}

std::optional<std::string> data_version(const fs::path& data) {
  std::ifstream in(data / "PG_VERSION");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

Result<PostgresSettings> read_settings(const AppContext& app) {
  const AppSettingsReader read(app, "PostgreSQL");
  PostgresSettings s;
  auto data = read.required_folder("data", "the absolute path of the cluster's data directory "
                                           "(the folder holding PG_VERSION and postgresql.auto.conf)");
  if (!data) return std::move(data).error();
  s.data = *data;
  auto port = read.integer("port", 5432, 1, 65535);
  if (!port) return std::move(port).error();
  s.port = static_cast<int>(*port);
  s.user = read.text("user", "postgres");
  s.listen = read.text("listen", "*");
  auto socket_dir = read.absolute_path("socket_dir", "/var/run/postgresql");
  if (!socket_dir) return std::move(socket_dir).error();
  s.socket_dir = *socket_dir;
  auto log = read.absolute_path("log", "/var/log/postgresql/haven-" + std::to_string(s.port) + ".log");
  if (!log) return std::move(log).error();
  s.log = *log;
  s.options = read.text("options");
  s.host = read.text("host", "127.0.0.1");
  s.dbuser = read.text("dbuser", s.user);
  s.dbname = read.text("dbname", "postgres");
  s.password = read.text("password");
  using std::chrono::seconds;
  auto start = read.seconds("start_timeout", seconds(60), seconds(1), seconds(86400));
  if (!start) return std::move(start).error();
  auto stop = read.seconds("stop_timeout", seconds(60), seconds(1), seconds(86400));
  if (!stop) return std::move(stop).error();
  auto check = read.seconds("check_timeout", seconds(5), seconds(1), seconds(3600));
  if (!check) return std::move(check).error();
  s.start_timeout = *start;
  s.stop_timeout = *stop;
  s.check_timeout = *check;

  const std::string bin = read.text("bin");
  if (!bin.empty()) {
    s.bin = bin;
    s.version = read.text("version");
  } else {
    auto version = choose_version(read.text("version"), data_version(s.data), installed_versions(), s.data.string());
    if (!version) return std::move(version).error();
    s.version = *version;
    s.bin = fs::path("/usr/lib/postgresql") / s.version / "bin";
  }
  std::error_code ec;
  if (!fs::exists(s.bin / "pg_ctl", ec))
    return fail(Errc::not_found, "PostgreSQL's pg_ctl is not in " + s.bin.string() +
                                     ": install Debian's postgresql package, or set bin to the folder holding pg_ctl");
  return s;
}

}  // namespace haven::postgresql
