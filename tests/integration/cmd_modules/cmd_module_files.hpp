// The mirror modules with batch hooks as shipped (build/share/haven/modules/*.safe), what the
// tests do to their userconfig.xml (fill macros, leave out elements that would touch the
// machine), and the stand-ins their hooks call instead of Windows or database programs.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace haven::test {

/// build/share/haven/modules/<name>.safe, as the build packs it.
std::filesystem::path shipped_cmd_module(const std::string& name);

/// The text with the value of each <macro name="NAME" value="..."/> replaced; throws naming
/// the macro when there is none, so a renamed macro fails the test that fills it.
std::string with_macro_values(std::string userconfig, const std::map<std::string, std::string>& values);

/// The text with each key replaced by its value (every occurrence); throws when a key is absent.
std::string with_text_replaced(std::string userconfig, const std::map<std::string, std::string>& replacements);

/// The text without its first <tag ...>...</tag> element (throws when there is none).
std::string without_element(std::string userconfig, const std::string& tag);

/// The text with <var name="N" value="V"/> added at the end of <user>, for each entry.
std::string with_vars(std::string userconfig, const std::map<std::string, std::string>& vars);

/// The 1-based line of the first line holding `needle`; 0 when none does.
int line_with(const std::string& text, const std::string& needle);

/// Writes into `bin` the stand-ins the hooks find first in their PATH: systemctl (units as
/// marker files $STANDIN_DIR/UNIT.active; is-active prints active or inactive), sqlplus (reads
/// its statements from stdin: startup opens the database, shutdown closes it, a select of
/// v$instance prints OPEN while it is open), powershell (-Command runs nothing and exits
/// with $STANDIN_DIR/powershell_exit, 0 by default; -File vm_heartbeat.ps1 prints
/// $STANDIN_DIR/heartbeat) and pkill (finds nothing). Each appends one line to
/// $STANDIN_DIR/calls: "systemctl start UNIT", "sqlplus -S -L / as sysdba: startup",
/// "powershell -Command Start-VM ...", "powershell -File vm_heartbeat.ps1 VM", "pkill -KILL -x -- NAME".
void write_cmd_standins(const std::filesystem::path& bin);

/// The lines of $STANDIN_DIR/calls.
std::vector<std::string> recorded_calls(const std::filesystem::path& standin_dir);

}  // namespace haven::test
