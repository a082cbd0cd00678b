#include "system_user.hpp"

namespace haven::postgresql {

Result<SystemUser> find_user(const std::string& name) {
  return find_user_account(name, "the user PostgreSQL runs as (Debian's package creates 'postgres')");
}

}  // namespace haven::postgresql
