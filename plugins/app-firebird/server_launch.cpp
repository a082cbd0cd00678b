#include "server_launch.hpp"

namespace haven::firebird {

Result<UserAccount> find_user(const std::string& name) {
  return find_user_account(name, "the user Firebird runs as (Debian's firebird3.0-server creates 'firebird')");
}

ProcessRequest server_launch_request(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                     const UserAccount& user, const std::filesystem::path& log) {
  ProcessRequest request;
  request.argv = argv;
  request.user = user.name;
  request.drop_env_prefixes = {"ISC_", "FIREBIRD"};
  request.env = env;
  request.output_file = log;
  return request;
}

}  // namespace haven::firebird
