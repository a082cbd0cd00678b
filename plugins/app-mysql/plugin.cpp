// The app-mysql plugin: the "mysql" application kind (mysql_app.hpp).
#include <memory>

#include "haven/plugin.hpp"
#include "mysql_app.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_application(haven::HostContext& host) {
  return std::make_unique<haven::mysql::MysqlApplication>(host);
}

}  // namespace

HAVEN_PLUGIN(haven::kKindApplication, "haven.app.mysql", "0.1.0",
             "MariaDB/MySQL: prepare, start, stop (verified) and check a server of the module's own with Connector/C",
             make_application)
