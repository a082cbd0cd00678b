#include "farm_module_files.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <algorithm>
#include <stdexcept>

#include "haven_test_node.hpp"

namespace haven::test {
namespace {

// A connected TCP socket to 127.0.0.1:port, or -1 when nothing answers within `timeout_ms`.
int connect_loopback(int port, int timeout_ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t len = sizeof error;
    if (errno != EINPROGRESS || ::poll(&p, 1, timeout_ms) != 1 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

const char* kSystemctlStandin = R"SH(#!/bin/sh
# Test stand-in for systemctl (tests/integration/farm_modules): each unit is a process whose
# pid is in $STANDIN_DIR/UNIT.pid; the unit $STANDIN_WEB_UNIT serves $STANDIN_DIR over HTTP
# on 127.0.0.1:$PORT, any other unit is a sleep named after the unit.
verb=$1; shift
case "$1" in --signal=*) shift ;; esac
unit=$1
dir=${STANDIN_DIR:?STANDIN_DIR is not set}
echo "$verb $unit" >> "$dir/calls"
pidfile="$dir/$unit.pid"
alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
case "$verb" in
  start)
    alive && exit 0
    if [ "$unit" = "$STANDIN_WEB_UNIT" ]; then
      python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$PORT" >"$dir/$unit.log" 2>&1 </dev/null &
    else
      # a copy of sleep named after the unit, so that a kill by name reaches this one only
      [ -x "$dir/$unit" ] || cp "$(command -v sleep)" "$dir/$unit"
      "$dir/$unit" 600 >/dev/null 2>&1 </dev/null &
    fi
    echo $! > "$pidfile"
    [ "$unit" = "$STANDIN_WEB_UNIT" ] || exit 0
    i=0
    while [ $i -lt 100 ]; do
      python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$PORT" 2>/dev/null && exit 0
      i=$((i + 1)); sleep 0.1
    done
    exit 1 ;;
  stop) alive && kill -TERM "$(cat "$pidfile")"; rm -f "$pidfile"; exit 0 ;;
  kill) alive && kill -KILL "$(cat "$pidfile")"; exit 0 ;;
  is-active) alive ;;
  *) echo "systemctl stand-in: $verb is not handled" >&2; exit 1 ;;
esac
)SH";

}  // namespace

std::filesystem::path shipped_module(const std::string& name) {
  return build_dir() / "share" / "haven" / "modules" / (name + ".safe");
}

std::string with_macros(std::string userconfig, const std::map<std::string, std::string>& values) {
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

std::string without_vip(std::string userconfig) {
  const auto begin = userconfig.find("<vip>");
  const auto end = userconfig.find("</vip>");
  if (begin == std::string::npos || end == std::string::npos || end < begin)
    throw std::runtime_error("the module's userconfig.xml has no <vip>...</vip>");
  return userconfig.erase(begin, end + std::string("</vip>").size() - begin);
}

std::string with_user_vars(std::string userconfig, const std::map<std::string, std::string>& vars) {
  const auto end = userconfig.find("</user>");
  if (end == std::string::npos) throw std::runtime_error("the module's userconfig.xml has no </user>");
  std::string added;
  for (const auto& [name, value] : vars) added += "<var name=\"" + name + "\" value=\"" + value + "\"/>\n";
  return userconfig.insert(end, added);
}

int line_holding(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return 0;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a socket on 127.0.0.1 to find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool port_open(int port) {
  const int fd = connect_loopback(port, 1000);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string http_get(int port) {
  const int fd = connect_loopback(port, 5000);
  if (fd < 0) return {};
  const std::string request = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  std::string answer;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 500) != 1) continue;
      const auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      answer.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

void write_systemctl_standin(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const auto file = dir / "systemctl";
  std::ofstream(file) << kSystemctlStandin;
  std::filesystem::permissions(file, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
}

std::vector<std::string> standin_calls(const std::filesystem::path& standin_dir) {
  return read_lines(standin_dir / "calls");
}

PublicFolder::PublicFolder() {
  std::string tmpl = "/tmp/hvfarm.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot make a folder under /tmp for a document root");
  path_ = tmpl;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                          std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                          std::filesystem::perms::others_exec);
}

PublicFolder::~PublicFolder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace haven::test
