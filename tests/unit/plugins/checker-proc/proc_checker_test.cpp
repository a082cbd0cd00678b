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
