// A network namespace of the test's own, entered by the calling thread and left on
// destruction; the kernel frees it, and every interface made inside, once nothing uses it.
// Nothing is ever added to the namespace the test started in.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace haven::vip::testing {

class PrivateNetns {
 public:
  /// Enters a new namespace; nullopt with `why` set when this process may not (not root, no
  /// CAP_SYS_ADMIN). Brings lo up.
  static std::unique_ptr<PrivateNetns> enter(std::string& why);
  ~PrivateNetns();
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;

  /// Runs a shell command inside; returns its standard output. Throws when it fails.
  std::string run(const std::string& command) const;

  /// A veth pair "vh0" (198.51.100.1/24, 2001:db8::1/64) and "vh1" (no address), both up.
  void make_veth_pair() const;

 private:
  explicit PrivateNetns(int original);
  int original_;  // descriptor of the namespace to return to
};

/// The interface index of `name` in the current namespace.
int interface_index(const std::string& name);

}  // namespace haven::vip::testing

// Enters a private namespace, or WARNs that the case is skipped and returns from it.
#define HAVEN_ENTER_PRIVATE_NETNS(var)                                                   \
  std::string var##_why;                                                                 \
  auto var = ::haven::vip::testing::PrivateNetns::enter(var##_why);                      \
  if (!var) {                                                                            \
    WARN("SKIPPED: needs a private network namespace (run as root): " << var##_why);     \
    return;                                                                              \
  }
