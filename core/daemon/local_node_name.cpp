#include "daemon/local_node_name.hpp"

#include <unistd.h>

namespace haven {

Result<std::string> local_node_name(const HavenPaths& /*paths*/, const std::string& flag) {
  if (!flag.empty()) return flag;
  // TODO(issue 3): match cluster.xml's node addresses against the local interfaces.
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) return fail(Errc::io_error, "cannot read the host name; pass --node NAME");
  return std::string(host);
}

}  // namespace haven
