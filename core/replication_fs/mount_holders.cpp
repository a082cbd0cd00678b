#include "replication_fs/mount_holders.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>

#include "replication_fs/mount_table.hpp"

namespace haven::replication_fs {
namespace {

std::string read_link(const std::string& path) {
  char buffer[4096];
  const ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer - 1);
  if (n < 0) return {};
  return std::string(buffer, static_cast<std::size_t>(n));
}

bool under(const std::string& path, const std::string& point) {
  if (path.rfind(point, 0) != 0) return false;
  return path.size() == point.size() || path[point.size()] == '/' || point == "/";
}

// The mount id an open file descriptor belongs to ("mnt_id:" of /proc/PID/fdinfo/FD).
std::string mount_id_of_fd(const std::string& proc, const std::string& fd) {
  std::ifstream in(proc + "/fdinfo/" + fd);
  std::string key, value;
  while (in >> key >> value)
    if (key == "mnt_id:") return value;
  return {};
}

// A mapped file of the mount: maps' device field is the mount's "major:minor" (in hex there).
std::string mapped_file_on(const std::string& proc, const std::string& device) {
  const auto colon = device.find(':');
  if (colon == std::string::npos) return {};
  std::ostringstream hex;
  hex << std::hex;
  try {
    hex.width(2);
    hex.fill('0');
    hex << std::stoul(device.substr(0, colon));
    hex << ':';
    hex.width(2);
    hex << std::stoul(device.substr(colon + 1));
  } catch (const std::exception&) {
    return {};
  }
  const std::string wanted = hex.str();
  std::ifstream in(proc + "/maps");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, dev, inode, path;
    fields >> range >> perms >> offset >> dev >> inode;
    std::getline(fields >> std::ws, path);
    if (dev == wanted && inode != "0") return path;
  }
  return {};
}

std::string command_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

bool alive(pid_t pid) {
  // A zombie has released its files; count it as gone.
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close_paren = line.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= line.size() || line[close_paren + 2] != 'Z';
}

}  // namespace

std::vector<MountHolder> find_mount_holders(const std::filesystem::path& dir) {
  std::vector<MountHolder> holders;
  const std::string point = detail::mount_point_of(dir);
  const auto mount = detail::top_mount(point);
  if (!mount) return holders;
  DIR* proc = ::opendir("/proc");
  if (!proc) return holders;
  const pid_t self = ::getpid();
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    const std::string base = std::string("/proc/") + entry->d_name;
    MountHolder holder;
    holder.pid = static_cast<pid_t>(pid);
    if (DIR* fds = ::opendir((base + "/fd").c_str())) {
      while (dirent* fd = ::readdir(fds)) {
        if (fd->d_name[0] == '.') continue;
        if (mount_id_of_fd(base, fd->d_name) != mount->id) continue;
        holder.use = std::string("fd ") + fd->d_name + " " + read_link(base + "/fd/" + fd->d_name);
        break;
      }
      ::closedir(fds);
    }
    if (holder.use.empty()) {
      for (const char* link : {"cwd", "root"}) {
        const std::string target = read_link(base + "/" + link);
        if (!target.empty() && under(target, point)) {
          holder.use = std::string(link) + " " + target;
          break;
        }
      }
    }
    if (holder.use.empty()) {
      const std::string mapped = mapped_file_on(base, mount->device);
      if (!mapped.empty()) holder.use = "mmap " + mapped;
    }
    if (holder.use.empty()) continue;
    holder.command = command_of(holder.pid);
    holders.push_back(std::move(holder));
  }
  ::closedir(proc);
  return holders;
}

std::string describe_holders(const std::vector<MountHolder>& holders) {
  std::string text;
  for (const auto& h : holders)
    text += (text.empty() ? "" : ", ") + std::to_string(h.pid) + " (" + h.command + ": " + h.use + ")";
  return text;
}

std::vector<MountHolder> kill_holders(const std::vector<MountHolder>& holders, std::chrono::milliseconds wait) {
  for (const auto& h : holders) ::kill(h.pid, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<MountHolder> left = holders;
  while (true) {
    std::erase_if(left, [](const MountHolder& h) { return !alive(h.pid); });
    if (left.empty() || std::chrono::steady_clock::now() >= deadline) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace haven::replication_fs
