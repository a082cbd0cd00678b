#include "cmd_module_files.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "haven_test_node.hpp"

namespace haven::test {
namespace {

const char* kSystemctl = R"SH(#!/bin/sh
# systemctl stand-in (tests/integration/cmd_modules): a unit is running while
# $STANDIN_DIR/UNIT.active exists.
dir=${STANDIN_DIR:?STANDIN_DIR is not set}
echo "systemctl $*" >> "$dir/calls"
case "$1" in
  start) touch "$dir/$2.active" ;;
  stop) rm -f "$dir/$2.active" ;;
  is-active) if [ -f "$dir/$2.active" ]; then echo active; else echo inactive; exit 3; fi ;;
  *) echo "systemctl stand-in: $1 is not handled" >&2; exit 1 ;;
esac
)SH";

const char* kSqlplus = R"SH(#!/bin/sh
# sqlplus stand-in: one call line per statement read from stdin; the database is open while
# $STANDIN_DIR/db_open exists.
dir=${STANDIN_DIR:?STANDIN_DIR is not set}
while IFS= read -r line || [ -n "$line" ]; do
  line=$(printf '%s' "$line" | tr -d '\r')
  [ -z "$line" ] && continue
  echo "sqlplus $*: $line" >> "$dir/calls"
  case "$line" in
    startup*) touch "$dir/db_open"; echo "ORACLE instance started." ;;
    shutdown*) rm -f "$dir/db_open"; echo "ORACLE instance shut down." ;;
    *v\$instance*) if [ -f "$dir/db_open" ]; then printf 'STATUS\n------------\nOPEN\n'; else echo "ORA-01034: ORACLE not available"; fi ;;
  esac
done
exit 0
)SH";

const char* kPowershell = R"SH(#!/bin/sh
# powershell stand-in: records -Command's text or -File's script name and arguments.
dir=${STANDIN_DIR:?STANDIN_DIR is not set}
while [ $# -gt 0 ]; do
  case "$1" in
    -Command) echo "powershell -Command $2" >> "$dir/calls"
              code=0; [ -f "$dir/powershell_exit" ] && code=$(cat "$dir/powershell_exit")
              exit "$code" ;;
    -File) script=$(basename "$2"); shift 2
           echo "powershell -File $script $*" >> "$dir/calls"
           if [ "$script" = vm_heartbeat.ps1 ]; then cat "$dir/heartbeat" 2>/dev/null || echo off; fi
           exit 0 ;;
    *) shift ;;
  esac
done
echo "powershell stand-in: neither -Command nor -File" >&2
exit 1
)SH";

const char* kPkill = R"SH(#!/bin/sh
# pkill stand-in: kills nothing, as when the process is gone already.
echo "pkill $*" >> "${STANDIN_DIR:?STANDIN_DIR is not set}/calls"
exit 1
)SH";

void write_executable(const std::filesystem::path& file, const char* text) {
  std::ofstream(file) << text;
  std::filesystem::permissions(file, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
}

}  // namespace

std::filesystem::path shipped_cmd_module(const std::string& name) {
  return build_dir() / "share" / "haven" / "modules" / (name + ".safe");
}

std::string with_macro_values(std::string userconfig, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string head = "<macro name=\"" + name + "\" value=\"";
    const auto at = userconfig.find(head);
    const auto end = at == std::string::npos ? at : userconfig.find('"', at + head.size());
    if (end == std::string::npos)
      throw std::runtime_error("the module's userconfig.xml has no <macro name=\"" + name + "\" value=\"...\"/>");
    userconfig.replace(at + head.size(), end - at - head.size(), value);
  }
  return userconfig;
}

std::string with_text_replaced(std::string userconfig, const std::map<std::string, std::string>& replacements) {
  for (const auto& [from, to] : replacements) {
    auto at = userconfig.find(from);
    if (at == std::string::npos) throw std::runtime_error("the module's userconfig.xml has no \"" + from + "\"");
    for (; at != std::string::npos; at = userconfig.find(from, at + to.size())) userconfig.replace(at, from.size(), to);
  }
  return userconfig;
}

std::string without_element(std::string userconfig, const std::string& tag) {
  const auto begin = userconfig.find("<" + tag + " ") != std::string::npos ? userconfig.find("<" + tag + " ")
                                                                          : userconfig.find("<" + tag + ">");
  const auto end = userconfig.find("</" + tag + ">", begin == std::string::npos ? 0 : begin);
  if (begin == std::string::npos || end == std::string::npos)
    throw std::runtime_error("the module's userconfig.xml has no <" + tag + ">...</" + tag + ">");
  return userconfig.erase(begin, end + tag.size() + 3 - begin);
}

std::string with_vars(std::string userconfig, const std::map<std::string, std::string>& vars) {
  const auto end = userconfig.find("</user>");
  if (end == std::string::npos) throw std::runtime_error("the module's userconfig.xml has no </user>");
  std::string added;
  for (const auto& [name, value] : vars) added += "<var name=\"" + name + "\" value=\"" + value + "\"/>\n";
  return userconfig.insert(end, added);
}

int line_with(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return 0;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

void write_cmd_standins(const std::filesystem::path& bin) {
  std::filesystem::create_directories(bin);
  write_executable(bin / "systemctl", kSystemctl);
  write_executable(bin / "sqlplus", kSqlplus);
  write_executable(bin / "powershell", kPowershell);
  write_executable(bin / "pkill", kPkill);
}

std::vector<std::string> recorded_calls(const std::filesystem::path& standin_dir) {
  return read_lines(standin_dir / "calls");
}

}  // namespace haven::test
