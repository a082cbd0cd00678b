// mysql::run_and_wait for the callers outside the plugin that still use it (the MariaDB pair of
// tests/cluster_failover): the host's one process runner under the old signature. The plugin
// itself runs programs through HostContext::run_process and never links this.
#include "common/process_runner.hpp"
#include "server_launch.hpp"

namespace haven::mysql {

Result<int> run_and_wait(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, std::string& output) {
  ProcessRequest request;
  request.argv = argv;
  request.timeout = timeout;
  request.drop_env_prefixes = {"MYSQL"};  // MYSQL_HOME, MYSQL_PWD... would change what it reads
  auto ran = run_process(request);
  if (!ran) return std::move(ran).error();
  output = std::move(ran->output);
  return ran->exit_code;
}

}  // namespace haven::mysql
