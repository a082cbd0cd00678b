// The Apache farm module runs Debian's apache2 for real, on one havend: an instance of the
// module's own on 127.0.0.1 and a free port, serving a folder of the test's. Start makes the
// node UP and apache answers; stop stops it gracefully and the port is closed; when the
// graceful stop hangs (apache's main process frozen with SIGSTOP), the forced stop kills it.
// Skipped, saying why, where apache2 is not installed (scripts/install-deps.sh installs it).
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>

#include "farm_module_files.hpp"
#include "haven_test_node.hpp"
#include "process_scan.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace std::chrono_literals;
using haven::test::HavenTestNode;
using haven::test::slurp;

namespace {

constexpr const char* kApacheBinary = "/usr/sbin/apache2";

bool apache_missing() {
  if (std::filesystem::exists(kApacheBinary)) return false;
  WARN("SKIPPED: " << kApacheBinary << " is not installed (scripts/install-deps.sh installs apache2), so the "
                   "apache_farm module cannot start a real apache here");
  return true;
}

struct ApacheNode {
  int port = 0;
  std::string page;
  std::string conf;  ///< the instance's httpd.conf: every process of it names this file
};

// Installs apache_farm.safe filled in for this node: apache on 127.0.0.1:port serving `docroot`.
ApacheNode install_apache_farm(const HavenTestNode& node, const haven::test::PublicFolder& docroot,
                               const std::string& stop_wait) {
  ApacheNode a;
  a.port = haven::test::free_loopback_port();
  a.page = "apache_farm on " + node.root().filename().string();
  std::ofstream(docroot.path() / "index.html") << a.page << "\n";
  a.conf = (node.paths().module_var_dir("apache_farm") / "apache2" / "conf" / "httpd.conf").string();

  auto r = node.haven({"module", "install", haven::test::shipped_module("apache_farm").string()});
  INFO(r.describe());
  REQUIRE(r.exit_code == 0);
  const auto file = node.paths().module_dir("apache_farm") / "conf" / "userconfig.xml";
  const auto text = haven::test::without_vip(haven::test::with_macros(
      slurp(file), {{"VIRTUAL_IP", "127.0.0.1"},
                    {"PORT", std::to_string(a.port)},
                    {"LISTEN_ADDR", "127.0.0.1"},
                    {"DOCUMENT_ROOT", docroot.path().string()},
                    {"STOP_WAIT", stop_wait}}));
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  auto check = node.haven({"config", "check", "-m", "apache_farm"});
  INFO(check.describe());
  REQUIRE(check.exit_code == 0);
  return a;
}

std::string logs_of(const HavenTestNode& node) {
  return "module log:\n" + slurp(node.module_log("apache_farm")) + "\nuser log:\n" +
         slurp(node.user_log("apache_farm"));
}

void start_up(const HavenTestNode& node, const ApacheNode& a) {
  auto r = node.haven({"start", "-m", "apache_farm"});
  INFO(r.describe() << "\n" << logs_of(node));
  REQUIRE(r.exit_code == 0);
  REQUIRE(node.module_state("apache_farm").value("state", "") == "UP");
  const auto answer = haven::test::http_get(a.port);
  INFO("answer of 127.0.0.1:" << a.port << ":\n" << answer);
  CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 200") && Catch::Contains(a.page) && Catch::Contains("Apache"));
  CHECK_FALSE(haven::test::processes_with_cmdline(a.conf).empty());
}

// The instance's main process: the one of its processes whose parent is not one of them.
pid_t main_apache_process(const std::string& conf) {
  const auto pids = haven::test::processes_with_cmdline(conf);
  for (pid_t pid : pids) {
    const auto status = slurp("/proc/" + std::to_string(pid) + "/status");
    const auto at = status.find("\nPPid:");
    if (at == std::string::npos) continue;
    const pid_t parent = static_cast<pid_t>(std::stol(status.substr(at + 6)));
    if (std::find(pids.begin(), pids.end(), parent) == pids.end()) return pid;
  }
  return -1;
}

}  // namespace

TEST_CASE("apache_farm starts a real apache2 on a loopback port, which answers; stop stops it gracefully and closes "
          "the port",
          "[integration][farm_modules][apache]") {
  if (apache_missing()) {
    SUCCEED("skipped: apache2 is not installed");
    return;
  }
  HavenTestNode node;
  haven::test::PublicFolder docroot;
  const auto a = install_apache_farm(node, docroot, "20");
  start_up(node, a);

  auto r = node.haven({"stop", "-m", "apache_farm"});
  INFO(r.describe() << "\n" << logs_of(node));
  REQUIRE(r.exit_code == 0);
  CHECK(node.module_state("apache_farm").value("state", "") == "STOP");
  CHECK_FALSE(haven::test::port_open(a.port));
  CHECK(haven::test::processes_with_cmdline(a.conf).empty());
  const auto mlog = slurp(node.module_log("apache_farm"));
  CHECK_THAT(mlog, Catch::Contains("stop_both: apache2 stopped gracefully"));
  CHECK_THAT(mlog, Catch::Contains("stop_both force: no apache2 process of this module left"));
}

TEST_CASE("apache_farm's forced stop kills apache2 when its graceful stop hangs", "[integration][farm_modules][apache]") {
  if (apache_missing()) {
    SUCCEED("skipped: apache2 is not installed");
    return;
  }
  HavenTestNode node;
  haven::test::PublicFolder docroot;
  const auto a = install_apache_farm(node, docroot, "2");
  start_up(node, a);

  // Frozen, the main process never acts on its graceful-stop signal; its children keep serving.
  pid_t main = -1;
  haven::test::wait_until([&] { return (main = main_apache_process(a.conf)) > 0; }, 5s);
  REQUIRE(main > 0);
  REQUIRE(::kill(main, SIGSTOP) == 0);

  auto r = node.haven({"stop", "-m", "apache_farm"});
  INFO(r.describe() << "\n" << logs_of(node));
  CHECK(r.exit_code == 0);
  CHECK(node.module_state("apache_farm").value("state", "") == "STOP");
  const bool gone = haven::test::wait_until([&] { return haven::test::processes_with_cmdline(a.conf).empty(); }, 10s);
  if (!gone) ::kill(main, SIGKILL);  // leave nothing frozen behind, whatever the module did
  CHECK(gone);
  CHECK_FALSE(haven::test::port_open(a.port));
  const auto mlog = slurp(node.module_log("apache_farm"));
  CHECK_THAT(mlog, Catch::Contains("still running 2 s after its graceful stop"));
  CHECK_THAT(mlog, Catch::Contains("stop_both force: killed apache2"));
}
