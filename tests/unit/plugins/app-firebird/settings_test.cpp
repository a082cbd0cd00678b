// The firebird kind's settings, its generated configuration, command line and environment,
// the password file, the pid file and the client's error meanings.
#include <catch2/catch.hpp>

#include <ibase.h>

#include <algorithm>

#include "firebird_client.hpp"
#include "firebird_settings.hpp"

using namespace haven;
using namespace haven::firebird;

namespace {

AppContext with(std::map<std::string, std::string> settings) {
  AppContext app;
  app.settings = std::move(settings);
  return app;
}

}  // namespace

TEST_CASE("settings: defaults give a server of the module's own, on its port", "[firebird][settings]") {
  auto s = read_settings(with({{"data", "/srv/fb/"}, {"port", "3051"}, {"server", "/bin/sh"}}));
  REQUIRE(s);
  CHECK(s->data == "/srv/fb");
  CHECK(s->port == 3051);
  CHECK(s->user == "firebird");
  CHECK(s->run_dir == "/run/haven-firebird-3051");
  CHECK(s->lock_dir() == "/run/haven-firebird-3051/lock");
  CHECK(s->pid_file == "/run/haven-firebird-3051/firebird.pid");
  CHECK(s->log == "/var/log/firebird/haven-3051.log");
  CHECK(s->security_db == "/srv/fb/security3.fdb");
  CHECK(s->database == "/srv/fb/haven.fdb");
  CHECK(s->host == "127.0.0.1");
  CHECK(s->dbuser == "SYSDBA");
  CHECK(s->password.empty());
  CHECK(s->check_timeout == std::chrono::seconds(5));
  CHECK(connection_string(*s) == "inet://127.0.0.1:3051//srv/fb/haven.fdb");
}

TEST_CASE("settings: a database by absolute path, one listen address checked there", "[firebird][settings]") {
  auto s = read_settings(with({{"data", "/srv/fb"},
                               {"server", "/bin/sh"},
                               {"database", "/srv/fb/sub/app.fdb"},
                               {"listen", "::1"}}));
  REQUIRE(s);
  CHECK(s->database == "/srv/fb/sub/app.fdb");
  CHECK(s->host == "::1");
  CHECK(connection_string(*s) == "inet://[::1]:3050//srv/fb/sub/app.fdb");
}

TEST_CASE("settings: each bad value is named with what was expected", "[firebird][settings]") {
  auto relative = read_settings(with({{"data", "fb"}, {"server", "/bin/sh"}}));
  REQUIRE_FALSE(relative);
  CHECK(relative.error().code == Errc::invalid_argument);
  CHECK(relative.error().message.find("data=\"fb\"") != std::string::npos);

  auto port = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"port", "70000"}}));
  REQUIRE_FALSE(port);
  CHECK(port.error().message.find("port=\"70000\"") != std::string::npos);

  // The lock files and the pid file must not be replicated.
  auto inside = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"run_dir", "/srv/fb/run"}}));
  REQUIRE_FALSE(inside);
  CHECK(inside.error().message.find("inside data") != std::string::npos);
  auto same = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"run_dir", "/srv/fb/"}}));
  REQUIRE_FALSE(same);
  CHECK(read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"run_dir", "/srv/fb2"}})));

  auto no_server = read_settings(with({{"data", "/srv/fb"}, {"server", "/nonexistent/firebird"}}));
  REQUIRE_FALSE(no_server);
  CHECK(no_server.error().code == Errc::not_found);
  CHECK(no_server.error().message.find("/nonexistent/firebird") != std::string::npos);

  auto timeout = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"check_timeout", "0"}}));
  REQUIRE_FALSE(timeout);
  CHECK(timeout.error().message.find("check_timeout") != std::string::npos);

  auto listen = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"listen", "a b"}}));
  REQUIRE_FALSE(listen);
  CHECK(listen.error().message.find("listen") != std::string::npos);
}

TEST_CASE("the password file: Debian's SYSDBA.password format, or the password alone", "[firebird][settings]") {
  CHECK(parse_password_file("# Password for firebird SYSDBA user\n\nISC_USER=sysdba\nISC_PASSWORD=\"4ca25094\"\n") ==
        "4ca25094");
  CHECK(parse_password_file("ISC_PASSWORD='s3cret'\n") == "s3cret");
  CHECK(parse_password_file("ISC_PASSWORD=plain\n") == "plain");
  CHECK(parse_password_file("  only-this  \nsecond\n") == "only-this");
  CHECK(parse_password_file("# nothing\n\n").empty());
  CHECK(parse_password_file("ISC_USER=sysdba\n").empty());
}

TEST_CASE("an unreadable password file does not stop a stop, but check names it", "[firebird][settings]") {
  auto s = read_settings(
      with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"password_file", "/nonexistent/haven-SYSDBA.password"}}));
  REQUIRE(s);
  CHECK(s->password.empty());
  CHECK(s->password_problem.find("/nonexistent/haven-SYSDBA.password") != std::string::npos);
  auto checked = check_server(*s, AppContext{});
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == Errc::invalid_argument);
  CHECK(checked.error().message.find("password_file") != std::string::npos);
}

TEST_CASE("the instance's configuration: haven's values come last and win", "[firebird][settings]") {
  auto s = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"port", "3055"}, {"listen", "10.0.0.1"}}));
  REQUIRE(s);
  const auto conf = firebird_conf_text(*s, "RemoteServicePort = 9999\nDefaultDbCachePages = 100");
  const auto user_line = conf.find("RemoteServicePort = 9999");
  const auto haven_line = conf.find("RemoteServicePort = 3055");
  REQUIRE(user_line != std::string::npos);
  REQUIRE(haven_line != std::string::npos);
  CHECK(user_line < haven_line);
  CHECK(conf.find("DefaultDbCachePages = 100\n") != std::string::npos);
  CHECK(conf.find("ServerMode = Super") != std::string::npos);
  CHECK(conf.find("SecurityDatabase = /srv/fb/security3.fdb\n") != std::string::npos);
  CHECK(conf.find("RemoteBindAddress = 10.0.0.1") != std::string::npos);
  CHECK(conf.find("FileSystemCacheThreshold") != std::string::npos);
  CHECK(conf.find("DatabaseAccess = Restrict /srv/fb\n") != std::string::npos);

  auto every = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}}));
  REQUIRE(every);
  CHECK(firebird_conf_text(*every, "").find("RemoteBindAddress = \n") != std::string::npos);

  auto outside = read_settings(
      with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"security_db", "/var/lib/fbsec/security3.fdb"}}));
  REQUIRE(outside);
  CHECK(firebird_conf_text(*outside, "").find("DatabaseAccess = Restrict /srv/fb;/var/lib/fbsec\n") !=
        std::string::npos);

  const auto databases = databases_conf_text(*s);
  CHECK(databases.find("security.db = /srv/fb/security3.fdb") != std::string::npos);
  CHECK(databases.find("RemoteAccess = false") != std::string::npos);
}

TEST_CASE("the command line names the data folder; the environment the instance's folders", "[firebird][settings]") {
  auto s = read_settings(with({{"data", "/srv/fb"}, {"server", "/bin/sh"}, {"run_dir", "/run/fbx"}}));
  REQUIRE(s);
  CHECK(server_command(*s) == std::vector<std::string>{"/bin/sh", "/srv/fb"});
  const auto env = server_environment(*s, "/usr/lib/x/firebird/3.0");
  CHECK(env == std::vector<std::string>{"FIREBIRD=/run/fbx", "FIREBIRD_LOCK=/run/fbx/lock",
                                        "FIREBIRD_MSG=/usr/lib/x/firebird/3.0"});
  CHECK(server_environment(*s, "").size() == 2);
}

TEST_CASE("client errors: a refused login means the server answers", "[firebird][client]") {
  CHECK(classify_client_error(isc_login).answered_login_refused);
  CHECK(classify_client_error(isc_shutdown).code == Errc::refused);
  CHECK_FALSE(classify_client_error(isc_shutdown).answered_login_refused);
  CHECK(classify_client_error(isc_io_error).code == Errc::refused);
  CHECK(classify_client_error(isc_cancelled).code == Errc::timeout);
  CHECK(classify_client_error(isc_network_error).code == Errc::io_error);
  CHECK(classify_client_error(isc_net_read_err).code == Errc::io_error);
  CHECK(classify_client_error(0).code == Errc::io_error);
}
