#include "private_netns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace haven::vip::testing {
namespace {

ino_t namespace_inode(const char* path) {
  struct stat st {};
  if (::stat(path, &st) != 0) return 0;
  return st.st_ino;
}

}  // namespace

PrivateNetns::PrivateNetns(int original) : original_(original) {}

std::unique_ptr<PrivateNetns> PrivateNetns::enter(std::string& why) {
  if (::geteuid() != 0) {
    why = "not running as root";
    return nullptr;
  }
  const int original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) {
    why = std::string("cannot open /proc/thread-self/ns/net: ") + std::strerror(errno);
    return nullptr;
  }
  const ino_t before = namespace_inode("/proc/thread-self/ns/net");
  if (::unshare(CLONE_NEWNET) != 0) {
    why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
    ::close(original);
    return nullptr;
  }
  std::unique_ptr<PrivateNetns> ns(new PrivateNetns(original));
  if (namespace_inode("/proc/thread-self/ns/net") == before) {
    why = "unshare(CLONE_NEWNET) left the thread in its namespace";
    return nullptr;
  }
  ns->run("ip link set lo up");
  return ns;
}

PrivateNetns::~PrivateNetns() {
  if (::setns(original_, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "cannot return to the original network namespace: %s\n", std::strerror(errno));
    std::abort();  // the next tests would run in the wrong namespace
  }
  ::close(original_);
}

std::string PrivateNetns::run(const std::string& command) const {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error("\"" + command + "\" failed: " + out);
  return out;
}

void PrivateNetns::make_veth_pair() const {
  run("ip link add vh0 type veth peer name vh1");
  run("ip addr add 198.51.100.1/24 dev vh0");
  run("ip -6 addr add 2001:db8::1/64 dev vh0 nodad");
  run("ip link set vh0 up");
  run("ip link set vh1 up");
}

int interface_index(const std::string& name) { return static_cast<int>(::if_nametoindex(name.c_str())); }

}  // namespace haven::vip::testing
