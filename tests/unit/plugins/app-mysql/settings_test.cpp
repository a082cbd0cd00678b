// The mysql kind's settings, server command line, pid file and client error meanings.
#include <catch2/catch.hpp>

#include <algorithm>

#include "mysql_client.hpp"
#include "mysql_settings.hpp"

using namespace haven;
using namespace haven::mysql;

namespace {

AppContext with(std::map<std::string, std::string> settings) {
  AppContext app;
  app.settings = std::move(settings);
  return app;
}

}  // namespace

TEST_CASE("settings: defaults give a server of the module's own, on its port", "[mysql][settings]") {
  auto s = read_settings(with({{"data", "/srv/db/"}, {"port", "3307"}, {"server", "/bin/sh"}}));
  REQUIRE(s);
  CHECK(s->data == "/srv/db");
  CHECK(s->port == 3307);
  CHECK(s->user == "mysql");
  CHECK(s->socket == "/run/mysqld/haven-3307.sock");
  CHECK(s->pid_file == "/run/mysqld/haven-3307.pid");
  CHECK(s->log == "/var/log/mysql/haven-3307.err");
  CHECK(s->host == s->socket.string());
  CHECK(s->check_over_socket());
  CHECK(s->dbuser == "root");
  CHECK(s->service.empty());
  CHECK(s->check_timeout == std::chrono::seconds(5));
}

TEST_CASE("settings: data absolute, numbers in range, paths absolute, server existing", "[mysql][settings]") {
  auto relative = read_settings(with({{"data", "db"}, {"server", "/bin/sh"}}));
  REQUIRE_FALSE(relative);
  CHECK(relative.error().code == Errc::invalid_argument);
  CHECK(relative.error().message.find("data=\"db\"") != std::string::npos);

  auto port = read_settings(with({{"data", "/d"}, {"port", "70000"}, {"server", "/bin/sh"}}));
  REQUIRE_FALSE(port);
  CHECK(port.error().message.find("port=\"70000\"") != std::string::npos);

  auto socket = read_settings(with({{"data", "/d"}, {"socket", "x.sock"}, {"server", "/bin/sh"}}));
  REQUIRE_FALSE(socket);
  CHECK(socket.error().message.find("socket=\"x.sock\"") != std::string::npos);

  auto server = read_settings(with({{"data", "/d"}, {"server", "/nonexistent/mariadbd"}}));
  REQUIRE_FALSE(server);
  CHECK(server.error().code == Errc::not_found);
  CHECK(server.error().message.find("/nonexistent/mariadbd") != std::string::npos);

  auto unit = read_settings(with({{"data", "/d"}, {"service", "../etc/evil"}}));
  REQUIRE_FALSE(unit);
  CHECK(unit.error().message.find("service=") != std::string::npos);
  // The system's service needs no server program of ours.
  CHECK(read_settings(with({{"data", "/d"}, {"service", "mariadb"}})));
}

TEST_CASE("the server program: MariaDB's name first, then MySQL's; none names every place", "[mysql][settings]") {
  static std::vector<std::filesystem::path> present;
  auto exists = [](const std::filesystem::path& p) {
    return std::find(present.begin(), present.end(), p) != present.end();
  };
  present = {"/usr/sbin/mysqld", "/usr/sbin/mariadbd"};
  CHECK(choose_server(server_candidates(), exists).value() == "/usr/sbin/mariadbd");
  present = {"/usr/libexec/mysqld"};
  CHECK(choose_server(server_candidates(), exists).value() == "/usr/libexec/mysqld");
  present.clear();
  auto none = choose_server(server_candidates(), exists);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::not_found);
  CHECK(none.error().message.find("/usr/sbin/mysqld") != std::string::npos);
  CHECK(none.error().message.find("mariadb-server") != std::string::npos);
}

TEST_CASE("the server's command line: option file first, then the module's paths and port", "[mysql][settings]") {
  auto s = read_settings(with({{"data", "/srv/db"},
                               {"port", "3310"},
                               {"server", "/bin/sh"},
                               {"listen", "127.0.0.1"},
                               {"options", " --skip-name-resolve  --innodb-buffer-pool-size=64M "}}));
  REQUIRE(s);
  CHECK(s->options == std::vector<std::string>{"--skip-name-resolve", "--innodb-buffer-pool-size=64M"});
  const auto plain = server_command(*s, {});
  REQUIRE(plain.size() == 9);
  CHECK(plain[0] == "/bin/sh");
  CHECK(plain[1] == "--no-defaults");
  CHECK(plain[2] == "--datadir=/srv/db");
  CHECK(plain[3] == "--socket=/run/mysqld/haven-3310.sock");
  CHECK(plain[4] == "--pid-file=/run/mysqld/haven-3310.pid");
  CHECK(plain[5] == "--port=3310");
  CHECK(plain[6] == "--bind-address=127.0.0.1");
  const auto configured = server_command(*s, "/run/mysqld/haven-3310.cnf");
  CHECK(configured[1] == "--defaults-file=/run/mysqld/haven-3310.cnf");
}

TEST_CASE("Connector/C errors: a refused login still answers; nothing listening is io_error", "[mysql][client]") {
  CHECK(classify_client_error(1045).answered_login_refused);
  CHECK(classify_client_error(1698).answered_login_refused);
  CHECK(classify_client_error(1130).answered_login_refused);
  CHECK_FALSE(classify_client_error(1053).answered_login_refused);
  CHECK(classify_client_error(1053).code == Errc::refused);
  CHECK(classify_client_error(1040).code == Errc::refused);
  CHECK(classify_client_error(2002).code == Errc::io_error);
  CHECK(classify_client_error(2003).code == Errc::io_error);
  CHECK(classify_client_error(2013).code == Errc::timeout);
}
