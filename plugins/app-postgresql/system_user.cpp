#include "system_user.hpp"

#include <pwd.h>

#include <vector>

namespace haven::postgresql {

Result<SystemUser> find_user(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr)
    return fail(Errc::not_found, "there is no system user '" + name +
                                     "' on this node (getpwnam); expected the user PostgreSQL runs as "
                                     "(Debian's package creates 'postgres')");
  return SystemUser{name, entry.pw_uid, entry.pw_gid};
}

}  // namespace haven::postgresql
