#include <catch2/catch.hpp>

#include "hooks/hook_environment.hpp"

using namespace haven;

TEST_CASE("the hook environment names the install, the module and its folders") {
  auto paths = HavenPaths::under("/tmp/node1");
  HookEnvironmentInputs in;
  in.module = "generic-mirror";
  in.install_bin_dir = "/opt/haven/bin";
  in.user_vars = {{"APP_PORT", "5432"}, {"PATH", "/opt/app/bin:/usr/bin:/bin"}};
  auto env = hook_environment(paths, in);
  CHECK(env.at("SAFE") == "/opt/haven/bin/");
  CHECK(env.at("SAFEBIN") == "/opt/haven/bin/");
  CHECK(env.at("SAFEMODULE") == "generic-mirror");
  CHECK(env.at("SAFEUSERBIN") == "/tmp/node1/lib/modules/generic-mirror/bin");
  CHECK(env.at("SAFEUSERCONF") == "/tmp/node1/lib/modules/generic-mirror/conf");
  CHECK(env.at("SAFEVAR") == paths.var_dir().string());
  CHECK(env.at("SAFEUSERVAR") == paths.module_var_dir("generic-mirror").string());
  CHECK(env.at("HAVEN_ROOT") == "/tmp/node1");
  CHECK(env.at("HAVEN_MODULE_LOG") == "/tmp/node1/log/modules/generic-mirror/module.log");
  CHECK(env.at("APP_PORT") == "5432");
  CHECK(env.at("PATH") == "/opt/app/bin:/usr/bin:/bin");
}

TEST_CASE("the default PATH starts with the install's bin folder, so hooks find haven and safekit") {
  HookEnvironmentInputs in;
  in.module = "m";
  in.install_bin_dir = "/opt/haven/bin/";
  auto env = hook_environment(HavenPaths::system(), in);
  CHECK(env.at("PATH").rfind("/opt/haven/bin:", 0) == 0);
  CHECK(env.at("PATH").find("/usr/bin") != std::string::npos);
  CHECK(env.count("HAVEN_ROOT") == 0);
  CHECK(env.at("HAVEN_MODULE_LOG") == "/var/log/haven/modules/m/module.log");
}

TEST_CASE("a user variable may not replace what haven sets, and says so") {
  HookEnvironmentInputs in;
  in.module = "m";
  in.install_bin_dir = "/opt/haven/bin";
  in.user_vars = {{"SAFEMODULE", "other"}, {"HAVEN_MODULE_LOG", "/tmp/x"}};
  std::vector<std::string> warnings;
  auto env = hook_environment(HavenPaths::system(), in, &warnings);
  CHECK(env.at("SAFEMODULE") == "m");
  CHECK(env.at("HAVEN_MODULE_LOG") != "/tmp/x");
  REQUIRE(warnings.size() == 2);
  CHECK_THAT(warnings[0], Catch::Contains("SAFEMODULE") && Catch::Contains("<user><var"));
}
