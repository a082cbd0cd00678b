#include "server_launch.hpp"

namespace haven::mysql {

Result<SystemUser> find_user(const std::string& name) {
  return find_user_account(name, "the user MariaDB runs as (Debian's mariadb-server creates 'mysql')");
}

ProcessRequest server_launch_request(const std::vector<std::string>& argv, const SystemUser& user,
                                     const std::filesystem::path& log) {
  ProcessRequest request;
  request.argv = argv;
  request.user = user.name;
  request.drop_env_prefixes = {"MYSQL"};
  request.output_file = log;
  return request;
}

}  // namespace haven::mysql
