// The farm modules as shipped (modules/farm, modules/apache-farm, modules/iis-farm, packed
// into build/share/haven/modules/*.safe) and what the tests do to them: fill in their macros
// as an administrator would, leave out the <vip> (a test adds no address to the machine),
// add <user><var> entries, and a systemctl stand-in for the services the hooks start.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace haven::test {

/// build/share/haven/modules/<name>.safe, as the build packs it ("farm", "apache_farm", "iis_farm").
std::filesystem::path shipped_module(const std::string& name);

/// A userconfig.xml's text with the value of each <macro name="NAME" value="..."/> replaced.
/// Throws naming the macro when the file has no such macro, so that a renamed macro fails the
/// test that fills it instead of leaving it silently unfilled.
std::string with_macros(std::string userconfig, const std::map<std::string, std::string>& values);

/// The text without its <vip>...</vip> element (throws when there is none).
std::string without_vip(std::string userconfig);

/// The text with <var name="N" value="V"/> added, for each entry, at the end of <user>.
std::string with_user_vars(std::string userconfig, const std::map<std::string, std::string>& vars);

/// The 1-based line of the first line of `text` holding `needle`; 0 when none does.
int line_holding(const std::string& text, const std::string& needle);

/// A TCP port of 127.0.0.1 that nothing listens on now (bound then released by the test).
int free_loopback_port();

/// True while something accepts TCP connections on 127.0.0.1:port (one connect, 1 s at most).
bool port_open(int port);

/// Sends "GET / HTTP/1.0" to 127.0.0.1:port and returns the whole answer (status line,
/// headers, body); empty when nothing answers within 5 s.
std::string http_get(int port);

/// Writes `dir/systemctl`, a stand-in for systemd's that the hooks find first in their PATH.
/// Each call appends "VERB UNIT" to $STANDIN_DIR/calls. A unit named in $STANDIN_WEB_UNIT
/// is a python3 web server on 127.0.0.1:$PORT serving $STANDIN_DIR, any other unit a copy
/// of `sleep` named after the unit (so `taskkill /im UNIT` reaches it alone); `start`,
/// `stop`, `kill` and `is-active` act on it.
void write_systemctl_standin(const std::filesystem::path& dir);

/// The lines of $STANDIN_DIR/calls.
std::vector<std::string> standin_calls(const std::filesystem::path& standin_dir);

/// A folder under /tmp readable by every user (apache's children run as www-data), removed
/// with what it holds when the object goes.
class PublicFolder {
 public:
  PublicFolder();
  ~PublicFolder();
  PublicFolder(const PublicFolder&) = delete;
  PublicFolder& operator=(const PublicFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace haven::test
