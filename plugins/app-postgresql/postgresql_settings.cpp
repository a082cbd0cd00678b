#include "postgresql_settings.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>

namespace haven::postgresql {
namespace {

namespace fs = std::filesystem;

Result<long> number_setting(const AppContext& app, const char* key, long fallback, long low, long high) {
  const std::string text = app.get(key);
  if (text.empty()) return fallback;
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    return fail(Errc::invalid_argument, std::string("PostgreSQL setting ") + key + "=\"" + text +
                                            "\" is not a whole number from " + std::to_string(low) + " to " +
                                            std::to_string(high));
  return value;
}

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
  PostgresSettings s;
  s.data = app.get("data");
  if (s.data.empty() || !s.data.is_absolute())
    return fail(Errc::invalid_argument, "PostgreSQL setting data=\"" + s.data.string() +
                                            "\" must be the absolute path of the cluster's data directory "
                                            "(the folder holding PG_VERSION and postgresql.auto.conf)");
  s.data = s.data.lexically_normal();
  if (s.data.has_filename() == false) s.data = s.data.parent_path();
  auto port = number_setting(app, "port", 5432, 1, 65535);
  if (!port) return std::move(port).error();
  s.port = static_cast<int>(*port);
  s.user = app.get("user", "postgres");
  s.listen = app.get("listen", "*");
  s.socket_dir = app.get("socket_dir", "/var/run/postgresql");
  s.log = app.get("log", "/var/log/postgresql/haven-" + std::to_string(s.port) + ".log");
  if (!s.socket_dir.is_absolute() || !s.log.is_absolute())
    return fail(Errc::invalid_argument, "PostgreSQL settings socket_dir=\"" + s.socket_dir.string() + "\" and log=\"" +
                                            s.log.string() + "\" must be absolute paths");
  s.options = app.get("options");
  s.host = app.get("host", "127.0.0.1");
  s.dbuser = app.get("dbuser", s.user);
  s.dbname = app.get("dbname", "postgres");
  s.password = app.get("password");
  auto start = number_setting(app, "start_timeout", 60, 1, 86400);
  if (!start) return std::move(start).error();
  auto stop = number_setting(app, "stop_timeout", 60, 1, 86400);
  if (!stop) return std::move(stop).error();
  auto check = number_setting(app, "check_timeout", 5, 1, 3600);
  if (!check) return std::move(check).error();
  s.start_timeout = std::chrono::seconds(*start);
  s.stop_timeout = std::chrono::seconds(*stop);
  s.check_timeout = std::chrono::seconds(*check);

  const std::string bin = app.get("bin");
  if (!bin.empty()) {
    s.bin = bin;
    s.version = app.get("version");
  } else {
    auto version = choose_version(app.get("version"), data_version(s.data), installed_versions(), s.data.string());
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
