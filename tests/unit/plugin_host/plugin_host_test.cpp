#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "plugin_host/basic_host_context.hpp"
#include "plugin_host/plugin_host.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = HAVEN_PLUGIN_FIXTURE_DIR;
const fs::path kDuplicates = HAVEN_PLUGIN_DUPLICATE_DIR;

fs::path fixture(const std::string& name) { return kFixtures / ("libfixture_" + name + ".so"); }

const haven::PluginLoadFailure* failure_for(const haven::PluginHost& host, const fs::path& file) {
  for (const auto& f : host.failures())
    if (f.file == file) return &f;
  return nullptr;
}

std::shared_ptr<haven::BasicHostContext> context_with(std::vector<std::pair<std::string, std::string>> attributes,
                                                      std::vector<std::string>* log = nullptr) {
  haven::BasicHostContext::LogSink sink;
  if (log != nullptr) sink = [log](haven::LogLevel, std::string_view line) { log->emplace_back(line); };
  auto context = std::make_shared<haven::BasicHostContext>(sink, "test");
  haven::ConfigNode node;
  node.name = "fixture";
  node.attributes = std::move(attributes);
  context->with_config(node);
  return context;
}

// True while the dynamic linker still has the library mapped.
bool is_mapped(const fs::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);
  return true;
}

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("scanning the fixtures accepts the good plugins and refuses each bad one by file", "[plugin_host]") {
  haven::PluginHost host;
  host.scan({kFixtures});

  std::vector<std::string> names;
  for (const auto& p : host.plugins()) names.push_back(p.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"test.checker.good", "test.checker.throwing", "test.script.good"});

  const haven::PluginInfo* checker = host.find("test.checker.good");
  REQUIRE(checker != nullptr);
  CHECK(checker->kind == "checker");
  CHECK(checker->version == "1.0.0");
  CHECK(checker->summary == "A checker fixture");
  CHECK(checker->file == fixture("good_checker"));
  CHECK(checker->abi_major == HAVEN_ABI_MAJOR);
  CHECK(checker->toolchain == HAVEN_TOOLCHAIN_TAG);

  CHECK(host.failures().size() == 6);
  for (const auto& f : host.failures()) CHECK_THAT(f.error.message, Catch::Contains(f.file.string()));
}

TEST_CASE("a plugin of another ABI major is refused saying both versions", "[plugin_host]") {
  haven::PluginHost host;
  auto r = host.load_file(fixture("wrong_major"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == haven::Errc::abi_mismatch);
  const std::string expected = "plugin " + fixture("wrong_major").string() + " was built for haven ABI " +
                               std::to_string(HAVEN_ABI_MAJOR + 1) + "." + std::to_string(HAVEN_ABI_MINOR) +
                               ", this host speaks " + std::to_string(HAVEN_ABI_MAJOR) + "." +
                               std::to_string(HAVEN_ABI_MINOR) + ": rebuild it against this SDK";
  CHECK(r.error().message == expected);
  REQUIRE(failure_for(host, fixture("wrong_major")) != nullptr);
  CHECK(host.plugins().empty());
}

TEST_CASE("a plugin of a newer ABI minor is refused", "[plugin_host]") {
  haven::PluginHost host;
  auto r = host.load_file(fixture("newer_minor"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == haven::Errc::abi_mismatch);
  CHECK_THAT(r.error().message, Catch::Contains(fixture("newer_minor").string()) &&
                                    Catch::Contains("newer than this host's") && Catch::Contains("upgrade haven"));
}

TEST_CASE("a plugin of another toolchain is refused naming both tags", "[plugin_host]") {
  haven::PluginHost host;
  auto r = host.load_file(fixture("wrong_toolchain"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == haven::Errc::abi_mismatch);
  CHECK_THAT(r.error().message, Catch::Contains(fixture("wrong_toolchain").string()) &&
                                    Catch::Contains("itanium-0;libfoo;boost-0") &&
                                    Catch::Contains(HAVEN_TOOLCHAIN_TAG));
}

TEST_CASE("a plugin without a dotted name is refused", "[plugin_host]") {
  haven::PluginHost host;
  auto r = host.load_file(fixture("bad_name"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == haven::Errc::invalid_argument);
  CHECK_THAT(r.error().message, Catch::Contains(fixture("bad_name").string()) && Catch::Contains("'nodots'"));
}

TEST_CASE("a shared library without the entry symbol is not a plugin", "[plugin_host]") {
  haven::PluginHost host;
  auto r = host.load_file(fixture("no_entry"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == haven::Errc::invalid_argument);
  CHECK(r.error().message == fixture("no_entry").string() +
                                 " is not a haven plugin: it exports no haven_plugin_entry symbol (build it with "
                                 "HAVEN_PLUGIN from the haven SDK)");
}

TEST_CASE("a file named .so that is not ELF is refused by name", "[plugin_host]") {
  haven::PluginHost host;
  auto r = host.load_file(fixture("not_elf"));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::StartsWith(fixture("not_elf").string()) && Catch::Contains("not an ELF"));
}

TEST_CASE("a missing file is refused by name", "[plugin_host]") {
  haven::PluginHost host;
  auto r = host.load_file(kFixtures / "libdoes_not_exist.so");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("libdoes_not_exist.so"));
}

TEST_CASE("a second plugin of the same name is refused naming both files", "[plugin_host]") {
  haven::PluginHost host;
  host.scan({kFixtures, kDuplicates});
  const fs::path duplicate = kDuplicates / "libfixture_duplicate_checker.so";
  const auto* f = failure_for(host, duplicate);
  REQUIRE(f != nullptr);
  CHECK(f->error.code == haven::Errc::already_exists);
  CHECK_THAT(f->error.message, Catch::Contains(duplicate.string()) &&
                                   Catch::Contains(fixture("good_checker").string()) &&
                                   Catch::Contains("test.checker.good"));
  REQUIRE(host.find("test.checker.good") != nullptr);
  CHECK(host.find("test.checker.good")->version == "1.0.0");
}

TEST_CASE("loading the same file twice gives the same plugin, not a duplicate", "[plugin_host]") {
  haven::PluginHost host;
  REQUIRE(host.load_file(fixture("good_checker")).ok());
  host.scan({kFixtures, kFixtures / "." });
  CHECK(host.plugins().size() == 3);
  CHECK(failure_for(host, fixture("good_checker")) == nullptr);
}

TEST_CASE("a checker made by a plugin probes with its configuration and logs through the host", "[plugin_host]") {
  haven::PluginHost host;
  host.scan({kFixtures});
  std::vector<std::string> log;
  auto checker = host.make_checker("test.checker.good", context_with({{"state", "up"}, {"reason", "all fine"}}, &log));
  REQUIRE(checker.ok());
  auto result = checker.value()->probe(std::chrono::milliseconds(100));
  REQUIRE(result.ok());
  CHECK(result->up);
  CHECK(result->reason == "all fine");
  CHECK(log == std::vector<std::string>{"[test] fixture checker probed"});
}

TEST_CASE("a script engine is found by the extension it runs", "[plugin_host]") {
  haven::PluginHost host;
  host.scan({kFixtures});
  auto engine = host.make_script_engine_for(".fake", std::make_shared<haven::BasicHostContext>());
  REQUIRE(engine.ok());
  auto code = engine.value()->run({"start_prim", "/x/start_prim.fake", {}});
  REQUIRE(code.ok());
  CHECK(code.value() == 7);

  auto none = host.make_script_engine_for(".lua", std::make_shared<haven::BasicHostContext>());
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == haven::Errc::not_found);
  CHECK_THAT(none.error().message, Catch::Contains("'.lua'"));
}

TEST_CASE("a throwing factory gives an error naming the plugin", "[plugin_host]") {
  haven::PluginHost host;
  host.scan({kFixtures});
  auto checker = host.make_checker("test.checker.throwing", std::make_shared<haven::BasicHostContext>());
  REQUIRE_FALSE(checker.ok());
  CHECK(checker.error().code == haven::Errc::internal);
  CHECK_THAT(checker.error().message,
             Catch::Contains("test.checker.throwing") && Catch::Contains("fixture factory exploded"));
}

TEST_CASE("asking for an unknown plugin or the wrong kind fails clearly", "[plugin_host]") {
  haven::PluginHost host;
  host.scan({kFixtures});
  auto missing = host.make_checker("haven.checker.nothing", std::make_shared<haven::BasicHostContext>());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == haven::Errc::not_found);
  CHECK_THAT(missing.error().message, Catch::Contains("haven.checker.nothing"));

  auto wrong_kind = host.make_behaviour("test.checker.good", std::make_shared<haven::BasicHostContext>());
  REQUIRE_FALSE(wrong_kind.ok());
  CHECK(wrong_kind.error().code == haven::Errc::invalid_argument);
  CHECK_THAT(wrong_kind.error().message, Catch::Contains("is a checker plugin, expected a behaviour plugin"));
}

TEST_CASE("an object outlives its host and keeps its library loaded", "[plugin_host]") {
  const fs::path file = fixture("good_checker");
  std::shared_ptr<haven::Checker> checker;
  std::weak_ptr<haven::BasicHostContext> weak_context;
  {
    haven::PluginHost host;
    REQUIRE(host.load_file(file).ok());
    auto context = context_with({{"state", "down"}, {"reason", "still here"}});
    weak_context = context;
    auto made = host.make_checker("test.checker.good", context);
    REQUIRE(made.ok());
    checker = made.value();
  }
  REQUIRE(is_mapped(file));
  REQUIRE_FALSE(weak_context.expired());
  auto result = checker->probe(std::chrono::milliseconds(100));
  REQUIRE(result.ok());
  CHECK_FALSE(result->up);
  CHECK(result->reason == "still here");

  checker.reset();
  CHECK(weak_context.expired());
  CHECK_FALSE(is_mapped(file));
}

TEST_CASE("the search path is the install's plugin folder then HAVEN_PLUGIN_PATH", "[plugin_host]") {
  ScopedEnv env("HAVEN_PLUGIN_PATH", "/opt/a::" + kFixtures.string());
  auto path = haven::PluginHost::default_search_path();
  REQUIRE(path.size() == 3);
  CHECK(path[0].filename() == "plugins");
  CHECK(path[1] == "/opt/a");
  CHECK(path[2] == kFixtures);

  haven::PluginHost host;
  host.scan(path);
  CHECK(host.find("test.checker.good") != nullptr);
  CHECK(host.find("test.script.good") != nullptr);
}

TEST_CASE("review finding 20: a plugin in a folder, or a file, that group or others may write is not loaded",
          "[plugin_host]") {
  std::string pattern = (fs::temp_directory_path() / "haven-trust-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const fs::path folder = pattern;
  const fs::path copy = folder / "libfixture_good_checker.so";
  fs::copy_file(fixture("good_checker"), copy);
  fs::permissions(copy, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  SECTION("a folder anyone may write") {
    fs::permissions(folder, fs::perms::all);
    haven::PluginHost host;
    auto r = host.load_file(copy);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == haven::Errc::refused);
    CHECK_THAT(r.error().message, Catch::Contains("folder " + folder.string()) && Catch::Contains("mode 0777") &&
                                      Catch::Contains("chmod go-w"));
  }
  SECTION("a file its group may write") {
    fs::permissions(copy, fs::perms::group_write, std::filesystem::perm_options::add);
    haven::PluginHost host;
    auto r = host.load_file(copy);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("file " + copy.string()) && Catch::Contains("mode 0775"));
  }
  SECTION("the same file in a folder only its owner may write loads") {
    haven::PluginHost host;
    CHECK(host.load_file(copy).ok());
  }
  fs::remove_all(folder);
}
