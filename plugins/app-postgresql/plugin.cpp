// The app-postgresql plugin: the "postgresql" application kind (postgresql_app.hpp).
#include <memory>

#include "haven/plugin.hpp"
#include "postgresql_app.hpp"

namespace {

std::unique_ptr<haven::PluginObject> make_application(haven::HostContext& host) {
  return std::make_unique<haven::postgresql::PostgresApplication>(host);
}

}  // namespace

HAVEN_PLUGIN(haven::kKindApplication, "haven.app.postgresql", "0.1.0",
             "PostgreSQL: prepare, start, stop (verified) and check a cluster with pg_ctl and libpq", make_application)
