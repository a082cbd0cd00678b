#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"
#include "proc_checker.hpp"
#include "process_table.hpp"

using namespace haven;
using namespace haven::checker_proc;

namespace {

ConfigNode proc_element(std::vector<std::pair<std::string, std::string>> attributes) {
  ConfigNode node;
  node.name = "proc";
  node.attributes = std::move(attributes);
  node.file = "/m/conf/userconfig.xml";
  node.line = 21;
  node.path = "safe/service/errd/proc";
  return node;
}

ProcessRule rule_of(std::vector<std::pair<std::string, std::string>> attributes) {
  auto rule = parse_process_rule(proc_element(std::move(attributes)));
  REQUIRE(rule);
  return std::move(*rule);
}

ProcessInfo process(int pid, std::string comm, std::vector<std::string> argv) {
  return ProcessInfo{pid, std::move(comm), std::move(argv)};
}

// A `sleep` whose argument no other process has (GNU sleep takes "3000.<pid>" seconds), ended
// with the object.
class MarkedChild {
 public:
  explicit MarkedChild(const std::string& marker) {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::execlp("sleep", "sleep", marker.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~MarkedChild() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("a process counts by its program's base name or its kernel name") {
  auto rule = rule_of({{"name", "nginx"}});
  CHECK(matches(rule, process(1, "nginx", {"/usr/sbin/nginx", "-g", "daemon off;"})));
  CHECK(matches(rule, process(2, "nginx", {"nginx: worker process"})));  // rewritten argv, comm still nginx
  CHECK_FALSE(matches(rule, process(3, "nginx-exporter", {"/usr/bin/nginx-exporter"})));
  CHECK_FALSE(matches(rule, process(4, "bash", {"/bin/bash", "nginx"})));
  CHECK(program_name(process(5, "kworker/0:1", {})) == "kworker/0:1");
}

TEST_CASE("nameregex replaces the name comparison and argregex must also match") {
  auto rule = rule_of({{"name", "java"}, {"nameregex", "^(java|javaw)$"}, {"argregex", "-jar [^ ]*app\\.jar"}});
  CHECK(matches(rule, process(1, "java", {"/usr/bin/java", "-Xmx1g", "-jar", "/opt/app.jar"})));
  CHECK_FALSE(matches(rule, process(2, "java", {"/usr/bin/java", "-jar", "/opt/other.jar"})));
  CHECK_FALSE(matches(rule, process(3, "javac", {"/usr/bin/javac", "-jar", "/opt/app.jar"})));
}

TEST_CASE("the verdict is up within atleast..atmax, and the reason says the count and what was expected") {
  auto rule = rule_of({{"name", "nginx"}, {"atleast", "2"}, {"atmax", "3"}});
  CHECK_FALSE(judge(rule, 1).up);
  CHECK(judge(rule, 1).reason == "1 process named nginx running (at least 2, at most 3 expected)");
  CHECK(judge(rule, 2).up);
  CHECK(judge(rule, 3).up);
  CHECK_FALSE(judge(rule, 4).up);
  auto unbounded = rule_of({{"name", "nginx"}});
  CHECK(judge(unbounded, 50).up);
  CHECK(judge(unbounded, 0).reason == "0 processes named nginx running (at least 1 expected)");
  CHECK(count_matching(unbounded, {process(1, "nginx", {"nginx"}), process(2, "sh", {"sh"}),
                                   process(3, "nginx", {"/usr/sbin/nginx"})}) == 2);
}

TEST_CASE("bad <proc> attributes are refused naming the file, line, element and what was expected") {
  auto error = [](std::vector<std::pair<std::string, std::string>> attributes) {
    auto rule = parse_process_rule(proc_element(std::move(attributes)));
    REQUIRE_FALSE(rule);
    return rule.error().message;
  };
  CHECK(error({}) == "haven.checker.proc: /m/conf/userconfig.xml:21 <safe/service/errd/proc> has no name, "
                     "expected name=\"<program or service name>\"");
  CHECK(error({{"name", "x"}, {"atleast", "two"}}) ==
        "haven.checker.proc: /m/conf/userconfig.xml:21 <safe/service/errd/proc> has atleast=\"two\", expected a "
        "whole number from 0");
  CHECK(error({{"name", "x"}, {"atleast", "3"}, {"atmax", "2"}}).find("below atleast") != std::string::npos);
  CHECK(error({{"name", "x"}, {"nameregex", "(unclosed"}}).find("expected an extended regular expression") !=
        std::string::npos);
}

TEST_CASE("the process table is read from a /proc-like folder, skipping what is not a process") {
  const auto root = std::filesystem::temp_directory_path() / ("haven-fake-proc-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "42");
  std::filesystem::create_directories(root / "43");
  std::filesystem::create_directories(root / "self");
  std::ofstream(root / "42" / "comm") << "nginx\n";
  std::ofstream(root / "42" / "cmdline", std::ios::binary) << std::string("/usr/sbin/nginx\0-g\0daemon off;\0", 31);
  std::ofstream(root / "43" / "comm") << "kthreadd\n";
  auto table = read_process_table(root);
  std::filesystem::remove_all(root);
  REQUIRE(table);
  REQUIRE(table->size() == 2);
  const auto& nginx = table->front().pid == 42 ? table->at(0) : table->at(1);
  CHECK(nginx.comm == "nginx");
  CHECK(nginx.argv == std::vector<std::string>{"/usr/sbin/nginx", "-g", "daemon off;"});
  CHECK_FALSE(read_process_table(root));
}

TEST_CASE("the built plugin counts a real process, and says down once it is gone") {
  const std::string marker = "3000." + std::to_string(::getpid());
  PluginHost host;
  auto info = host.load_file(HAVEN_PROC_PLUGIN_FILE);
  REQUIRE(info);
  CHECK(info->name == "haven.checker.proc");
  auto context = std::make_shared<BasicHostContext>();
  context->with_config(proc_element({{"name", "sleep"}, {"argregex", "^" + marker.substr(0, 4) + "\\." + marker.substr(5) + "$"}, {"atleast", "1"}, {"atmax", "1"}}));
  auto checker = host.make_checker("haven.checker.proc", context);
  REQUIRE(checker);

  MarkedChild child(marker);
  // The child execs sleep soon after fork: poll (bounded) until it shows up.
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    auto r = checker.value()->probe(std::chrono::milliseconds(1000));
    REQUIRE(r);
    up = r->up;
    if (!up) ::usleep(10000);
  }
  CHECK(up);
  {
    MarkedChild second(marker);
    bool too_many = false;
    for (int i = 0; i < 200 && !too_many; ++i) {
      auto r = checker.value()->probe(std::chrono::milliseconds(1000));
      REQUIRE(r);
      too_many = !r->up && r->reason.rfind("2 processes", 0) == 0;
      if (!too_many) ::usleep(10000);
    }
    CHECK(too_many);
  }
  child.stop();
  auto gone = checker.value()->probe(std::chrono::milliseconds(1000));
  REQUIRE(gone);
  CHECK_FALSE(gone->up);
  CHECK(gone->reason.rfind("0 processes named sleep", 0) == 0);
}

namespace {

// Answers run_process as a systemd would for is-active: the request is kept for the test.
class SystemctlHost final : public HostContext {
 public:
  explicit SystemctlHost(ConfigNode element) : element_(std::move(element)) {}
  void log(LogLevel, std::string_view) noexcept override {}
  const ConfigNode* config() const noexcept override { return &element_; }
  const std::map<std::string, std::string>& environment() const noexcept override { return env_; }
  Result<ProcessOutcome> run_process(const ProcessRequest& request) override {
    requests.push_back(request);
    return answer;
  }

  ProcessOutcome answer;
  std::vector<ProcessRequest> requests;

 private:
  ConfigNode element_;
  std::map<std::string, std::string> env_;
};

}  // namespace

TEST_CASE("service=\"yes\" asks systemctl is-active through the host's process runner, bounded by the probe's timeout") {
  SystemctlHost host(proc_element({{"name", "nginx"}, {"service", "yes"}}));
  auto checker = ProcChecker::from_host(host);
  REQUIRE(checker);

  host.answer.exit_code = 0;
  auto active = checker.value()->probe(std::chrono::milliseconds(700));
  REQUIRE(active);
  CHECK(active->up);
  CHECK(active->reason == "service nginx is active");
  REQUIRE(host.requests.size() == 1);
  const auto& asked = host.requests.front();
  REQUIRE(asked.argv.size() == 4);
  CHECK(std::filesystem::path(asked.argv[0]).filename() == "systemctl");
  CHECK(std::filesystem::path(asked.argv[0]).is_absolute());
  CHECK(std::vector<std::string>(asked.argv.begin() + 1, asked.argv.end()) ==
        std::vector<std::string>{"is-active", "--quiet", "nginx"});
  CHECK(asked.timeout == std::chrono::milliseconds(700));

  host.answer.exit_code = 3;
  auto inactive = checker.value()->probe(std::chrono::milliseconds(700));
  REQUIRE(inactive);
  CHECK_FALSE(inactive->up);
  CHECK(inactive->reason == "service nginx is not active");

  host.answer.exit_code = 137;
  host.answer.timed_out = true;
  auto hung = checker.value()->probe(std::chrono::milliseconds(700));
  REQUIRE(hung);
  CHECK_FALSE(hung->up);
  CHECK(hung->reason == "systemctl did not say within 700 ms whether service nginx is active");

  ProcChecker unhosted(rule_of({{"name", "nginx"}}), true);
  auto refused = unhosted.probe(std::chrono::milliseconds(700));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::unsupported);
}
