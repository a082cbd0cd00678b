#include <archive_entry.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "archive_builder.hpp"
#include "common/atomic_file.hpp"
#include "module_store/module_registry.hpp"
#include "module_store/module_store.hpp"

using haven::test::ArchiveBuilder;
using haven::test::ArchiveFormat;
using haven::test::TempFolder;

namespace {

struct Node {
  TempFolder tmp;
  haven::HavenPaths paths = haven::HavenPaths::under(tmp.path() / "root");
  haven::ArchiveLimits limits{.max_entries = 20, .max_entry_bytes = 1000, .max_total_bytes = 3000};
  haven::ModuleStore store{paths, limits};

  std::filesystem::path archive(const ArchiveBuilder& builder, const std::string& file = "demo.safe",
                                ArchiveFormat format = ArchiveFormat::zip) {
    auto path = tmp.path() / file;
    builder.write(path, format);
    return path;
  }

  // What an administrator would find: module folders and leftovers (the lock file aside).
  std::vector<std::string> modules_dir_content() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(paths.modules_dir(), ec)) {
      if (e.path().filename() != ".lock") names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::map<std::string, int> registry() const { return haven::load_module_registry(paths.module_registry())->ids; }
};

// Every file under `dir`, with its content (or link target) and mode.
std::map<std::string, std::pair<std::string, unsigned>> snapshot(const std::filesystem::path& dir) {
  std::map<std::string, std::pair<std::string, unsigned>> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st {};
    REQUIRE(::lstat(e.path().c_str(), &st) == 0);
    std::string content = S_ISLNK(st.st_mode)   ? "-> " + std::filesystem::read_symlink(e.path()).string()
                          : S_ISREG(st.st_mode) ? haven::test::read_whole_file(e.path())
                                                : "<dir>";
    files[e.path().lexically_relative(dir).string()] = {content, static_cast<unsigned>(st.st_mode & 07777)};
  }
  return files;
}

const haven::ModuleValidator kAccept = [](const std::filesystem::path&) { return haven::ok_status(); };

}  // namespace

TEST_CASE("a zip module installs with its name from the file, id 1 and its modes") {
  Node node;
  auto entry = node.store.install(node.archive(ArchiveBuilder().minimal_module(), "generic-mirror.safe"),
                                  std::nullopt, std::nullopt, kAccept);
  REQUIRE(entry.ok());
  CHECK(entry->name == "generic-mirror");
  CHECK(entry->id == 1);
  CHECK(entry->dir == node.paths.module_dir("generic-mirror"));
  CHECK(entry->ports.heartbeat_udp == 8888);
  CHECK(haven::test::read_whole_file(entry->dir / "conf/userconfig.xml") == "<safe><service mode=\"mirror\"/></safe>\n");
  CHECK((std::filesystem::status(entry->dir / "bin/start_prim.sh").permissions() & std::filesystem::perms::owner_exec) !=
        std::filesystem::perms::none);
  CHECK(node.modules_dir_content() == std::vector<std::string>{"generic-mirror"});
  CHECK(node.registry() == std::map<std::string, int>{{"generic-mirror", 1}});
}

TEST_CASE("tar and tar.gz modules install too") {
  Node node;
  REQUIRE(node.store.install(node.archive(ArchiveBuilder().minimal_module(), "a.tar", ArchiveFormat::tar),
                             std::nullopt, std::nullopt, kAccept).ok());
  REQUIRE(node.store.install(node.archive(ArchiveBuilder().minimal_module(), "b.tar.gz", ArchiveFormat::tar_gz),
                             std::nullopt, std::nullopt, kAccept).ok());
  CHECK(node.modules_dir_content() == std::vector<std::string>{"a", "b"});
  CHECK(std::filesystem::exists(node.paths.module_dir("b") / "bin/start_prim.sh"));
}

TEST_CASE("a single top-level folder wrapping the module and obsolete leftovers are accepted") {
  Node node;
  auto archive = node.archive(ArchiveBuilder()
                                  .directory("AM/")
                                  .minimal_module("AM/")
                                  .file("AM/web/index.html", "<html/>")
                                  .file("AM/manifest.xml", "<manifest/>")
                                  .file("AM/conf/userconfig.xml.template", "<safe/>"));
  auto entry = node.store.install(archive, "AM", std::nullopt, kAccept);
  REQUIRE(entry.ok());
  CHECK(std::filesystem::is_regular_file(entry->dir / "conf/userconfig.xml"));
  CHECK(std::filesystem::is_regular_file(entry->dir / "bin/start_prim.sh"));
  CHECK(std::filesystem::is_regular_file(entry->dir / "manifest.xml"));
  CHECK_FALSE(std::filesystem::exists(entry->dir / "AM"));
}

TEST_CASE("the validator sees the staged module and its refusal leaves nothing") {
  Node node;
  std::filesystem::path seen;
  auto refuse = [&](const std::filesystem::path& staged) -> haven::Status {
    seen = staged;
    CHECK(std::filesystem::exists(staged / "conf/userconfig.xml"));
    return haven::fail(haven::Errc::invalid_argument, "userconfig.xml line 1: <service> mode is wrong");
  };
  auto entry = node.store.install(node.archive(ArchiveBuilder().minimal_module()), std::nullopt, std::nullopt, refuse);
  REQUIRE_FALSE(entry.ok());
  CHECK(entry.error().message == "userconfig.xml line 1: <service> mode is wrong");
  CHECK(seen.parent_path() == node.paths.modules_dir());
  CHECK_THAT(seen.filename().string(), Catch::StartsWith(".install-demo-"));
  CHECK(node.modules_dir_content().empty());
  CHECK(node.registry().empty());
}

TEST_CASE("review finding 20: an exception in the middle of an install leaves no staging folder") {
  Node node;
  auto throws = [&](const std::filesystem::path&) -> haven::Status { throw 42; };
  auto entry = node.store.install(node.archive(ArchiveBuilder().minimal_module()), std::nullopt, std::nullopt, throws);
  REQUIRE_FALSE(entry.ok());
  CHECK_THAT(entry.error().message, Catch::Contains("failed unexpectedly"));
  CHECK(node.modules_dir_content().empty());
  CHECK(node.registry().empty());
}

TEST_CASE("dangerous archives are refused with a clear message and nothing is installed") {
  struct Case {
    const char* what;
    ArchiveBuilder builder;
    ArchiveFormat format;
    const char* expected;
  };
  std::string big(600, 'x');
  auto many = ArchiveBuilder().minimal_module();
  for (int i = 0; i < 20; ++i) many.file("bin/f" + std::to_string(i), "x");
  auto total = ArchiveBuilder().minimal_module();
  for (int i = 0; i < 6; ++i) total.file("bin/part" + std::to_string(i), big);

  std::vector<Case> cases = {
      {"zip-slip with ../", ArchiveBuilder().minimal_module().file("../x", "x"), ArchiveFormat::zip,
       "entry '../x': the entry has a '..' component"},
      {"zip-slip inside a path", ArchiveBuilder().minimal_module().file("conf/../../x", "x"), ArchiveFormat::zip,
       "entry 'conf/../../x': the entry has a '..' component"},
      {"tar-slip", ArchiveBuilder().minimal_module().file("bin/../../../etc/cron.d/x", "x"), ArchiveFormat::tar,
       "'..' component"},
      {"absolute path", ArchiveBuilder().minimal_module().file("/etc/cron.d/evil", "x"), ArchiveFormat::tar,
       "entry '/etc/cron.d/evil': the entry has an absolute path"},
      {"symlink outside", ArchiveBuilder().minimal_module().symlink("bin/etc", "../../../etc"), ArchiveFormat::zip,
       "entry 'bin/etc': the symbolic link points to '../../../etc', outside the module folder"},
      {"absolute symlink", ArchiveBuilder().minimal_module().symlink("bin/passwd", "/etc/passwd"), ArchiveFormat::tar,
       "points to the absolute path '/etc/passwd'"},
      {"symlink escaping through another symlink",
       ArchiveBuilder().minimal_module().symlink("bin/here", "..").symlink("bin/up", "here/.."), ArchiveFormat::tar,
       "following the archive's other links, leads outside the module"},
      {"entry written through a symlink",
       ArchiveBuilder().minimal_module().symlink("bin/conf", "../conf").file("bin/conf/userconfig.xml", "x"),
       ArchiveFormat::tar, "lies under 'bin/conf', a symbolic link earlier in the archive"},
      {"hard link outside", ArchiveBuilder().minimal_module().hardlink("bin/shadow", "../../etc/shadow"),
       ArchiveFormat::tar, "entry 'bin/shadow': is a hard link to '../../etc/shadow', outside the module"},
      {"hard link to a file not seen yet", ArchiveBuilder().hardlink("bin/early", "bin/start_prim.sh").minimal_module(),
       ArchiveFormat::tar, "which is not a regular file earlier in the archive"},
      {"character device", ArchiveBuilder().minimal_module().special("bin/null", AE_IFCHR), ArchiveFormat::tar,
       "entry 'bin/null': is a character device; a module holds only folders, files and symbolic links"},
      {"block device", ArchiveBuilder().minimal_module().special("bin/sda", AE_IFBLK), ArchiveFormat::tar,
       "is a block device"},
      {"fifo", ArchiveBuilder().minimal_module().special("bin/pipe", AE_IFIFO), ArchiveFormat::tar, "is a fifo"},
      {"too many entries", many, ArchiveFormat::zip, "more than 20 entries"},
      {"too large a file", ArchiveBuilder().minimal_module().file("bin/huge", std::string(1001, 'x')),
       ArchiveFormat::zip, "more than the limit of 1000 bytes per file"},
      {"too large in total", total, ArchiveFormat::tar_gz, "over the limit of 3000 bytes"},
      {"missing conf/userconfig.xml", ArchiveBuilder().file("bin/start_prim.sh", "x", 0755), ArchiveFormat::zip,
       "has no conf/userconfig.xml"},
      {"conf/userconfig.xml as a folder", ArchiveBuilder().directory("conf/userconfig.xml/").file("bin/x", "x"),
       ArchiveFormat::zip, "conf/userconfig.xml is not a regular file"},
      {"duplicate entry", ArchiveBuilder().minimal_module().file("conf/userconfig.xml", "<other/>"),
       ArchiveFormat::tar, "appears twice"},
      {"two top-level folders", ArchiveBuilder().minimal_module("A/").file("B/x", "x"), ArchiveFormat::zip,
       "has no conf/userconfig.xml"},
  };
  for (auto& c : cases) {
    SECTION(c.what) {
      Node node;
      auto archive = node.archive(c.builder, "evil.safe", c.format);
      auto entry = node.store.install(archive, std::nullopt, std::nullopt, kAccept);
      REQUIRE_FALSE(entry.ok());
      CHECK_THAT(entry.error().message, Catch::Contains(c.expected) && Catch::Contains(archive.string()));
      CHECK(node.modules_dir_content().empty());
      CHECK(node.registry().empty());
      CHECK_FALSE(std::filesystem::exists(node.tmp.path() / "x"));
    }
  }
}

TEST_CASE("ids are the smallest free one, or forced, and a forced id held by another module is refused") {
  Node node;
  auto archive = node.archive(ArchiveBuilder().minimal_module());
  CHECK(node.store.install(archive, "a", std::nullopt, kAccept)->id == 1);
  CHECK(node.store.install(archive, "b", 5, kAccept)->id == 5);
  CHECK(node.store.install(archive, "c", std::nullopt, kAccept)->id == 2);
  auto clash = node.store.install(archive, "d", 5, kAccept);
  REQUIRE_FALSE(clash.ok());
  CHECK_THAT(clash.error().message, Catch::Contains("id 5 is already used by module 'b'"));
  auto out_of_range = node.store.install(archive, "d", 0, kAccept);
  CHECK_THAT(out_of_range.error().message, Catch::Contains("module id 0 is out of range"));
  CHECK(node.modules_dir_content() == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(node.store.uninstall("a").ok());
  CHECK(node.store.install(archive, "e", std::nullopt, kAccept)->id == 1);
}

TEST_CASE("installing over an installed module needs replace, which keeps its id") {
  Node node;
  auto v1 = node.archive(ArchiveBuilder().minimal_module().file("bin/version", "1"), "v1.safe");
  auto v2 = node.archive(ArchiveBuilder().minimal_module().file("bin/version", "2"), "v2.safe");
  REQUIRE(node.store.install(v1, "m", 7, kAccept).ok());
  auto again = node.store.install(v2, "m", std::nullopt, kAccept);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == haven::Errc::already_exists);
  CHECK_THAT(again.error().message, Catch::Contains("module 'm' is already installed"));
  auto replaced = node.store.install(v2, "m", std::nullopt, kAccept, true);
  REQUIRE(replaced.ok());
  CHECK(replaced->id == 7);
  CHECK(haven::test::read_whole_file(replaced->dir / "bin/version") == "2");
  CHECK(node.modules_dir_content() == std::vector<std::string>{"m"});
}

TEST_CASE("a refused replacement leaves the installed module as it was") {
  Node node;
  REQUIRE(node.store.install(node.archive(ArchiveBuilder().minimal_module().file("bin/version", "1")), "m",
                             std::nullopt, kAccept).ok());
  auto bad = node.archive(ArchiveBuilder().minimal_module().file("../x", "x"), "bad.safe");
  REQUIRE_FALSE(node.store.install(bad, "m", 9, kAccept, true).ok());
  CHECK(haven::test::read_whole_file(node.paths.module_dir("m") / "bin/version") == "1");
  CHECK(node.registry() == std::map<std::string, int>{{"m", 1}});
}

TEST_CASE("install, package, install gives the same files, contents and modes") {
  Node node;
  auto archive = node.archive(ArchiveBuilder()
                                  .minimal_module()
                                  .file("bin/stop_prim.sh", "#!/bin/sh\n", 0750)
                                  .file("conf/notes.txt", "read me", 0600)
                                  .directory("bin/lib/", 0700)
                                  .file("bin/lib/common.lua", "return {}", 0644)
                                  .symlink("bin/start_second.sh", "start_prim.sh"),
                              "demo.tar", ArchiveFormat::tar);
  REQUIRE(node.store.install(archive, "one", std::nullopt, kAccept).ok());
  auto packaged = node.tmp.path() / "out" / "one.safe";
  std::filesystem::create_directories(packaged.parent_path());
  REQUIRE(node.store.package("one", packaged).ok());
  CHECK(std::distance(std::filesystem::directory_iterator(packaged.parent_path()), {}) == 1);
  REQUIRE(node.store.install(packaged, "two", std::nullopt, kAccept).ok());
  auto first = snapshot(node.paths.module_dir("one"));
  CHECK(first.at("bin/stop_prim.sh").second == 0750);
  CHECK(first.at("bin/start_second.sh").first == "-> start_prim.sh");
  CHECK(first == snapshot(node.paths.module_dir("two")));
}

TEST_CASE("packaging an unknown module or into a missing folder fails naming it") {
  Node node;
  auto missing = node.store.package("ghost", node.tmp.path() / "ghost.safe");
  CHECK(missing.error().code == haven::Errc::not_found);
  CHECK_THAT(missing.error().message, Catch::Contains("module 'ghost' is not installed"));
  REQUIRE(node.store.install(node.archive(ArchiveBuilder().minimal_module()), "m", std::nullopt, kAccept).ok());
  auto nowhere = node.store.package("m", node.tmp.path() / "no" / "m.safe");
  CHECK_THAT(nowhere.error().message, Catch::Contains("does not exist"));
}

TEST_CASE("uninstall removes the folder and the registry entry") {
  Node node;
  REQUIRE(node.store.install(node.archive(ArchiveBuilder().minimal_module()), "m", std::nullopt, kAccept).ok());
  REQUIRE(node.store.uninstall("m").ok());
  CHECK(node.modules_dir_content().empty());
  CHECK(node.registry().empty());
  CHECK(node.store.list()->empty());
  auto again = node.store.uninstall("m");
  CHECK(again.error().code == haven::Errc::not_found);
}

TEST_CASE("list and find show name, id, folder and ports; to_json gives them to the CLI") {
  Node node;
  auto archive = node.archive(ArchiveBuilder().minimal_module());
  REQUIRE(node.store.install(archive, "b", 2, kAccept).ok());
  REQUIRE(node.store.install(archive, "a", std::nullopt, kAccept).ok());
  auto all = node.store.list();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "a");
  CHECK((*all)[0].id == 1);
  CHECK((*all)[1].ports.replication_tcp == 5604);
  auto json = haven::to_json(node.store.find("b").value());
  CHECK(json["id"] == 2);
  CHECK(json["ports"]["heartbeat_udp"] == 8889);
  CHECK(json["ports"]["farm_udp"] == 4806);
  CHECK(json["dir"] == node.paths.module_dir("b").string());
  CHECK_THAT(node.store.find("zz").error().message, Catch::Contains("installed: a, b"));
}

TEST_CASE("the next store operation cleans up after an interrupted install or uninstall") {
  Node node;
  REQUIRE(node.store.install(node.archive(ArchiveBuilder().minimal_module()), "keep", 3, kAccept).ok());
  auto modules = node.paths.modules_dir();
  // A crash while extracting: a staging folder is left.
  std::filesystem::create_directories(modules / ".install-new-0123abcd" / "conf");
  // A crash after the registry write of an install, before its rename.
  auto registry = haven::load_module_registry(node.paths.module_registry()).value();
  registry.ids["half"] = 4;
  // A crash in uninstall before the registry write: the folder was set aside.
  std::filesystem::rename(modules / "keep", modules / ".uninstall-keep-89abcdef");
  REQUIRE(haven::save_module_registry(node.paths.module_registry(), registry).ok());
  // A module folder copied by hand has no id yet.
  std::filesystem::create_directories(modules / "byhand" / "conf");

  auto all = node.store.list();
  REQUIRE(all.ok());
  CHECK(node.modules_dir_content() == std::vector<std::string>{"byhand", "keep"});
  CHECK(node.registry() == std::map<std::string, int>{{"byhand", 1}, {"keep", 3}});
  CHECK(std::filesystem::exists(modules / "keep" / "conf/userconfig.xml"));
}

TEST_CASE("an uninstall that reached the registry write is finished by the next operation") {
  Node node;
  REQUIRE(node.store.install(node.archive(ArchiveBuilder().minimal_module()), "gone", std::nullopt, kAccept).ok());
  auto modules = node.paths.modules_dir();
  std::filesystem::rename(modules / "gone", modules / ".uninstall-gone-00000000");
  REQUIRE(haven::save_module_registry(node.paths.module_registry(), haven::ModuleRegistry{}).ok());
  REQUIRE(node.store.list().ok());
  CHECK(node.modules_dir_content().empty());
}

TEST_CASE("an invalid module name is refused, whether given or taken from the file") {
  Node node;
  auto archive = node.archive(ArchiveBuilder().minimal_module(), "my module.safe");
  auto from_file = node.store.install(archive, std::nullopt, std::nullopt, kAccept);
  CHECK_THAT(from_file.error().message, Catch::Contains("does not give a valid module name ('my module')") &&
                                            Catch::Contains("-m NAME"));
  auto given = node.store.install(archive, "../etc", std::nullopt, kAccept);
  CHECK_THAT(given.error().message, Catch::Contains("module name '../etc' is not valid"));
  CHECK(node.modules_dir_content().empty());
}

TEST_CASE("a broken registry is reported, naming the file, rather than ids being reassigned") {
  Node node;
  REQUIRE(haven::write_file_atomically(node.paths.module_registry(), "{\"modules\": {\"a\": {\"id\": \"x\"}}}").ok());
  auto all = node.store.list();
  REQUIRE_FALSE(all.ok());
  CHECK_THAT(all.error().message, Catch::Contains(node.paths.module_registry().string()) &&
                                      Catch::Contains("module 'a' has no integer \"id\""));
}
