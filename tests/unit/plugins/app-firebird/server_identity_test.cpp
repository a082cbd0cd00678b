// Which process a stop may signal: decided from the host's process facts (/proc), never from
// the pid file. Stand-in processes (sleep, and a copy of the shell named firebird) play the
// server; the host is the core's, reading this node's /proc.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "plugin_host/basic_host_context.hpp"
#include "server_identity.hpp"

namespace fs = std::filesystem;
using namespace haven;
using namespace haven::firebird;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hvfbid.XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A process running `program` with `args` in working directory `cwd`, killed at the end.
struct StandIn {
  pid_t pid = -1;
  StandIn(const fs::path& program, std::vector<std::string> args, const fs::path& cwd) {
    args.insert(args.begin(), program.filename().string());
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::setpgid(0, 0);
      if (::chdir(cwd.c_str()) != 0) ::_exit(126);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
    // Until exec is done, /proc shows the test program.
    for (int i = 0; i < 200; ++i) {
      std::error_code ec;
      if (fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec) == program) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~StandIn() {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
};

fs::path sleep_program() { return fs::exists("/usr/bin/sleep") ? "/usr/bin/sleep" : "/bin/sleep"; }

}  // namespace

TEST_CASE("the data folder is the last argument that is not an option", "[firebird][identity]") {
  CHECK(data_argument({"/usr/sbin/firebird", "/srv/fb"}) == "/srv/fb");
  CHECK(data_argument({"/usr/sbin/firebird", "-p", "3050", "/srv/fb"}) == "/srv/fb");
  CHECK(data_argument({"/usr/sbin/firebird", "-p", "3050"}).empty());
  CHECK(data_argument({"/usr/sbin/firebird", "-d", "/a", "/b"}) == "/b");
  CHECK(data_argument({"/usr/sbin/firebird"}).empty());
  CHECK(data_argument({"/srv/argv0-is-not-an-argument"}).empty());
}

TEST_CASE("the program must be firebird, also after an upgrade replaced it", "[firebird][identity]") {
  CHECK(is_server_program("/usr/sbin/firebird"));
  CHECK(is_server_program("/usr/sbin/firebird (deleted)"));
  CHECK_FALSE(is_server_program("/usr/sbin/fbguard"));
  CHECK_FALSE(is_server_program("/usr/bin/sleep"));
  CHECK_FALSE(is_server_program(""));
}

TEST_CASE("judge_server: each fact that differs is named", "[firebird][identity]") {
  const FileId data{1, 100};
  ServerFacts facts;
  facts.process.pid = 42;
  facts.process.exe = "/usr/bin/sleep";
  facts.process.argv = {"sleep", "/srv/fb"};
  facts.data_argument = "/srv/fb";
  facts.data_id = data;
  auto not_server = judge_server(facts, data, "/srv/fb");
  REQUIRE_FALSE(not_server);
  CHECK(not_server.error().code == Errc::refused);
  CHECK(not_server.error().message.find("/usr/bin/sleep") != std::string::npos);

  facts.process.exe = "/usr/sbin/firebird";
  facts.process.argv = {"/usr/sbin/firebird", "/other"};
  facts.data_argument = "/other";
  facts.data_id = FileId{1, 200};
  auto other = judge_server(facts, data, "/srv/fb");
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("another data folder") != std::string::npos);
  CHECK(other.error().message.find("/other") != std::string::npos);

  facts.data_id = data;
  CHECK(judge_server(facts, data, "/srv/fb"));

  // Debian's own service (fbguard's firebird, no argument) is never haven's, even with the
  // working directory in the data folder.
  facts.process.argv = {"/usr/sbin/firebird"};
  facts.data_argument.clear();
  facts.data_id.reset();
  facts.process.cwd_id = data;
  auto system_service = judge_server(facts, data, "/srv/fb");
  REQUIRE_FALSE(system_service);
  CHECK(system_service.error().message.find("did not start") != std::string::npos);
}

TEST_CASE("a host without process facts verifies nothing and finds no server", "[firebird][identity]") {
  class NoFactsHost final : public HostContext {
   public:
    void log(LogLevel, std::string_view) noexcept override {}
    const ConfigNode* config() const noexcept override { return nullptr; }
    const std::map<std::string, std::string>& environment() const noexcept override { return env_; }

   private:
    std::map<std::string, std::string> env_;
  } host;
  TempDir dir;
  auto verdict = verify_server(host, ::getpid(), dir.path);
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().code == Errc::unsupported);
  CHECK(servers_of_data(host, dir.path).empty());
}

TEST_CASE("verify_server against live stand-ins: only a firebird naming this data folder passes",
          "[firebird][identity]") {
  BasicHostContext host;
  TempDir dir;
  const auto data = dir.path / "data";
  const auto other = dir.path / "other";
  fs::create_directories(data);
  fs::create_directories(other);
  // A copy of the shell named firebird (the program name the check looks for), waiting on a
  // sleep; its arguments after the script are the server's.
  const auto fake_server = dir.path / "firebird";
  fs::copy_file("/bin/sh", fake_server);
  fs::permissions(fake_server, fs::perms::owner_all);

  // Not firebird, though its command line names the folder.
  StandIn unrelated("/bin/sh", {"-c", "sleep 120; :", "sh", data.string()}, data);
  auto refused = verify_server(host, unrelated.pid, data);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);

  const std::vector<std::string> wait{"-c", "sleep 120; :", "firebird"};
  auto with = [&](std::string argument) {
    auto args = wait;
    args.push_back(std::move(argument));
    return args;
  };
  StandIn right(fake_server, with(data.string()), "/");
  auto ok = verify_server(host, right.pid, data);
  INFO((ok ? "" : ok.error().message));
  CHECK(ok);
  // The same folder by another path (a link) is the same folder.
  fs::create_directory_symlink(data, dir.path / "link");
  StandIn through_link(fake_server, with((dir.path / "link").string()), "/");
  CHECK(verify_server(host, through_link.pid, data));
  StandIn wrong(fake_server, with(other.string()), data);
  CHECK_FALSE(verify_server(host, wrong.pid, data));
  StandIn no_argument(fake_server, wait, data);
  CHECK_FALSE(verify_server(host, no_argument.pid, data));

  const auto found = servers_of_data(host, data);
  CHECK(std::find(found.begin(), found.end(), right.pid) != found.end());
  CHECK(std::find(found.begin(), found.end(), through_link.pid) != found.end());
  CHECK(std::find(found.begin(), found.end(), wrong.pid) == found.end());
  CHECK(std::find(found.begin(), found.end(), no_argument.pid) == found.end());
  CHECK(std::find(found.begin(), found.end(), unrelated.pid) == found.end());

  // A process that is gone.
  pid_t gone = -1;
  {
    StandIn brief(sleep_program(), {"120"}, "/");
    gone = brief.pid;
  }
  CHECK(verify_server(host, gone, data).error().code == Errc::not_found);
}
