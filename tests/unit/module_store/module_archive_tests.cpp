#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>

#include <catch2/catch.hpp>

#include "archive_builder.hpp"
#include "module_store/archive_entry_path.hpp"
#include "module_store/module_archive_reader.hpp"
#include "module_store/module_archive_writer.hpp"
#include "module_store/module_name.hpp"
#include "module_store/module_ports.hpp"

using haven::test::ArchiveBuilder;
using haven::test::ArchiveFormat;
using haven::test::TempFolder;

namespace {

unsigned mode_of(const std::filesystem::path& file) {
  struct stat st {};
  REQUIRE(::lstat(file.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("entry names are split into components, with dots and Windows separators handled") {
  auto path = haven::split_entry_name("./conf\\userconfig.xml");
  REQUIRE(path.ok());
  CHECK(haven::join_entry_path(*path) == "conf/userconfig.xml");
  CHECK(haven::split_entry_name("AM/bin/").value() == haven::EntryPath{"AM", "bin"});
}

TEST_CASE("entry names that leave the module are refused with the reason") {
  CHECK_THAT(haven::split_entry_name("../x").error().message, Catch::Contains("'..' component"));
  CHECK_THAT(haven::split_entry_name("conf/../../x").error().message, Catch::Contains("'..' component"));
  CHECK_THAT(haven::split_entry_name("/etc/passwd").error().message, Catch::Contains("absolute path"));
  CHECK_THAT(haven::split_entry_name("C:/x").error().message, Catch::Contains("drive letter"));
}

TEST_CASE("finding 17: an archive entry whose name holds a control character is refused, named escaped") {
  CHECK_THAT(haven::split_entry_name("bin/evil\nname").error().message, Catch::Contains("control character (byte 10)"));
  CHECK_THAT(haven::split_entry_name("bin/esc\x1b[31mred").error().message, Catch::Contains("byte 27"));
  TempFolder tmp;
  auto archive = tmp.path() / "evil.tar";
  ArchiveBuilder().minimal_module().file("bin/evil\nname", "x").write(archive, ArchiveFormat::tar);
  auto read = haven::read_archive_member(archive, "conf/userconfig.xml");
  REQUIRE_FALSE(read.ok());
  CHECK_THAT(read.error().message, Catch::Contains("control character"));
  CHECK(read.error().message.find('\n') == std::string::npos);
}

TEST_CASE("a link target is resolved from the link's folder and may not climb above the module") {
  CHECK(haven::resolve_link_target({"bin", "l"}, "../conf/userconfig.xml").value() ==
        haven::EntryPath{"conf", "userconfig.xml"});
  CHECK_THAT(haven::resolve_link_target({"bin", "l"}, "../../etc").error().message, Catch::Contains("outside the module"));
  CHECK_THAT(haven::resolve_link_target({"bin", "l"}, "/etc/passwd").error().message, Catch::Contains("absolute path"));
}

TEST_CASE("the default module name is the archive's file name without its archive suffix") {
  CHECK(haven::module_name_from_archive("/tmp/generic-mirror.safe") == "generic-mirror");
  CHECK(haven::module_name_from_archive("farm.tar.gz") == "farm");
  CHECK(haven::module_name_from_archive("x/demo.zip") == "demo");
  CHECK(haven::check_module_name("generic-mirror_2").ok());
  CHECK_FALSE(haven::check_module_name("").ok());
  CHECK_FALSE(haven::check_module_name("a b").ok());
  CHECK_FALSE(haven::check_module_name(std::string(33, 'a')).ok());
  CHECK_THAT(haven::check_module_name("../x").error().message, Catch::Contains("1 to 32 letters"));
}

TEST_CASE("module ports follow the seed product's arithmetic") {
  constexpr auto first = haven::ports_for_id(1);
  STATIC_REQUIRE(first.heartbeat_udp == 8888);
  STATIC_REQUIRE(first.replication_tcp == 5600);
  STATIC_REQUIRE(first.farm_udp == 4803);
  auto third = haven::ports_for_id(3);
  CHECK(third.heartbeat_udp == 8890);
  CHECK(third.replication_tcp == 5608);
  CHECK(third.farm_udp == 4809);
  auto last = haven::ports_for_id(haven::kMaxModuleId);
  CHECK(last.heartbeat_udp < 9001);
}

TEST_CASE("conf/userconfig.xml is read from an archive without extracting it") {
  TempFolder tmp;
  auto archive = tmp.path() / "m.safe";
  ArchiveBuilder().minimal_module().write(archive);
  auto content = haven::read_archive_member(archive, "conf/userconfig.xml");
  REQUIRE(content.ok());
  CHECK(*content == "<safe><service mode=\"mirror\"/></safe>\n");
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.path()), {}) == 1);
}

TEST_CASE("reading a member through a wrapping folder and from a tar.gz") {
  TempFolder tmp;
  auto archive = tmp.path() / "m.tar.gz";
  ArchiveBuilder().directory("AM").minimal_module("AM/").write(archive, ArchiveFormat::tar_gz);
  auto content = haven::read_archive_member(archive, "bin/start_prim.sh");
  REQUIRE(content.ok());
  CHECK(*content == "#!/bin/sh\necho started\n");
  CHECK(haven::read_archive_member(archive, "bin/none").error().code == haven::Errc::not_found);
}

TEST_CASE("reading a member refuses an archive that install would refuse") {
  TempFolder tmp;
  auto archive = tmp.path() / "bad.safe";
  ArchiveBuilder().minimal_module().file("../evil", "x").write(archive);
  auto content = haven::read_archive_member(archive, "conf/userconfig.xml");
  REQUIRE_FALSE(content.ok());
  CHECK_THAT(content.error().message, Catch::Contains("bad.safe") && Catch::Contains("'../evil'"));
}

TEST_CASE("a file that is not an archive is refused naming it") {
  TempFolder tmp;
  auto file = tmp.path() / "notes.safe";
  {
    std::ofstream(file) << "just some text, not an archive\n";
  }
  auto content = haven::read_archive_member(file, "conf/userconfig.xml");
  REQUIRE_FALSE(content.ok());
  CHECK_THAT(content.error().message, Catch::Contains("notes.safe") && Catch::Contains("zip or tar"));
  CHECK(haven::read_archive_member(tmp.path() / "missing.safe", "conf/userconfig.xml").error().code ==
        haven::Errc::not_found);
}

TEST_CASE("extraction keeps the executable bit but never setuid or setgid") {
  TempFolder tmp;
  auto archive = tmp.path() / "m.tar";
  ArchiveBuilder()
      .minimal_module()
      .file("bin/suid", "x", 04755)
      .file("bin/sgid", "x", 02750)
      .directory("bin/private", 0700)
      .write(archive, ArchiveFormat::tar);
  auto dest = tmp.path() / "out";
  std::filesystem::create_directory(dest);
  REQUIRE(haven::extract_module_archive(archive, dest).ok());
  CHECK(mode_of(dest / "bin/start_prim.sh") == 0755);
  CHECK(mode_of(dest / "conf/userconfig.xml") == 0644);
  CHECK(mode_of(dest / "bin/suid") == 0755);
  CHECK(mode_of(dest / "bin/sgid") == 0750);
  CHECK(mode_of(dest / "bin/private") == 0700);
}

TEST_CASE("links that stay inside the module are extracted as links") {
  TempFolder tmp;
  auto archive = tmp.path() / "m.tar";
  ArchiveBuilder()
      .minimal_module()
      .symlink("bin/start_second.sh", "start_prim.sh")
      .hardlink("bin/start_both.sh", "bin/start_prim.sh")
      .write(archive, ArchiveFormat::tar);
  auto dest = tmp.path() / "out";
  std::filesystem::create_directory(dest);
  REQUIRE(haven::extract_module_archive(archive, dest).ok());
  CHECK(std::filesystem::read_symlink(dest / "bin/start_second.sh") == "start_prim.sh");
  CHECK(std::filesystem::equivalent(dest / "bin/start_both.sh", dest / "bin/start_prim.sh"));
}

TEST_CASE("review finding 20: a long chain of hard links is read in two walks of the archive") {
  TempFolder tmp;
  auto archive = tmp.path() / "chain.tar";
  ArchiveBuilder builder;
  builder.minimal_module().file("bin/l0", "the end of the chain");
  for (int i = 1; i <= 3000; ++i) builder.hardlink("bin/l" + std::to_string(i), "bin/l" + std::to_string(i - 1));
  builder.write(archive, ArchiveFormat::tar);
  // One walk per link took 18 s of CPU in the review (this test runs in 0.08 s now).
  auto read = haven::read_archive_member(archive, "bin/l3000");
  REQUIRE(read.ok());
  CHECK(*read == "the end of the chain");
  CHECK(haven::read_archive_member(archive, "bin/l1").value() == "the end of the chain");
}

TEST_CASE("a written archive sorts its entries and keeps modes and links") {
  TempFolder tmp;
  auto dir = tmp.path() / "module";
  std::filesystem::create_directories(dir / "conf");
  std::filesystem::create_directories(dir / "bin");
  { std::ofstream(dir / "conf/userconfig.xml") << "<safe/>"; }
  { std::ofstream(dir / "bin/z.sh") << "z"; }
  { std::ofstream(dir / "bin/a.sh") << "a"; }
  std::filesystem::permissions(dir / "bin/z.sh", std::filesystem::perms(0750));
  std::filesystem::create_symlink("z.sh", dir / "bin/link");
  auto out = tmp.path() / "m.safe";
  REQUIRE(haven::write_module_archive(dir, out).ok());

  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_zip(a.get());
  REQUIRE(archive_read_open_filename(a.get(), out.c_str(), 16384) == ARCHIVE_OK);
  std::vector<std::string> names;
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    names.emplace_back(archive_entry_pathname(entry));
    if (names.back() == "bin/z.sh") CHECK((archive_entry_perm(entry) & 0777) == 0750);
    if (names.back() == "bin/link") CHECK(std::string(archive_entry_symlink(entry)) == "z.sh");
  }
  CHECK(names == std::vector<std::string>{"bin/", "bin/a.sh", "bin/link", "bin/z.sh", "conf/", "conf/userconfig.xml"});
}

TEST_CASE("finding 6: extraction never leaves a hook, the configuration or a folder writable by group or others") {
  TempFolder tmp;
  auto archive = tmp.path() / "m.safe";
  // Many zip tools store 0777/0666; the folders "lib/x" are not listed at all.
  ArchiveBuilder()
      .directory("conf", 0777)
      .file("conf/userconfig.xml", "<safe><service mode=\"mirror\"/></safe>\n", 0666)
      .directory("bin", 0777)
      .file("bin/start_prim", "#!/bin/sh\n", 0777)
      .directory("bin/sticky", 01777)
      .file("lib/x/helper", "x", 0664)
      .write(archive, ArchiveFormat::zip);
  auto dest = tmp.path() / "out";
  std::filesystem::create_directory(dest);
  const mode_t saved = ::umask(0);  // as a daemon may run
  const auto extracted = haven::extract_module_archive(archive, dest);
  ::umask(saved);
  REQUIRE(extracted.ok());
  CHECK(mode_of(dest / "conf") == 0755);
  CHECK(mode_of(dest / "conf/userconfig.xml") == 0644);
  CHECK(mode_of(dest / "bin") == 0755);
  CHECK(mode_of(dest / "bin/start_prim") == 0755);
  CHECK(mode_of(dest / "bin/sticky") == 0755);
  CHECK(mode_of(dest / "lib") == 0755);
  CHECK(mode_of(dest / "lib/x") == 0755);
  CHECK(mode_of(dest / "lib/x/helper") == 0644);
}

TEST_CASE("finding 6: a packaged module carries no group or other write bit") {
  TempFolder tmp;
  auto dir = tmp.path() / "module";
  std::filesystem::create_directories(dir / "conf");
  std::filesystem::create_directories(dir / "bin");
  { std::ofstream(dir / "conf/userconfig.xml") << "<safe/>"; }
  { std::ofstream(dir / "bin/start_prim") << "x"; }
  std::filesystem::permissions(dir / "bin/start_prim", std::filesystem::perms(0777));
  std::filesystem::permissions(dir / "conf/userconfig.xml", std::filesystem::perms(0666));
  std::filesystem::permissions(dir / "bin", std::filesystem::perms(0777));
  auto out = tmp.path() / "m.safe";
  REQUIRE(haven::write_module_archive(dir, out).ok());
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_zip(a.get());
  REQUIRE(archive_read_open_filename(a.get(), out.c_str(), 16384) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  int seen = 0;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    INFO(archive_entry_pathname(entry));
    CHECK((archive_entry_perm(entry) & 022) == 0);
    ++seen;
  }
  CHECK(seen == 4);
}

TEST_CASE("finding 10: entry names are bounded in depth and length, with the entry named") {
  CHECK(haven::split_entry_name(std::string(4096, 'a')).ok());
  auto too_long = haven::split_entry_name(std::string(4097, 'a'));
  REQUIRE_FALSE(too_long.ok());
  CHECK_THAT(too_long.error().message, Catch::Contains("4097 bytes") && Catch::Contains("at most 4096"));
  std::string deep65;
  for (int i = 0; i < 64; ++i) deep65 += "d/";
  deep65 += "d";  // 65 components
  CHECK_FALSE(haven::split_entry_name(deep65).ok());
  std::string ok64;
  for (int i = 0; i < 63; ++i) ok64 += "d/";
  CHECK(haven::split_entry_name(ok64 + "f").ok());

  // The review's archive: one pax name of 100 000 components (200 KB), which cost memory in
  // the square of its depth before being refused.
  TempFolder tmp;
  std::string huge;
  for (int i = 0; i < 100000; ++i) huge += "a/";
  huge += "f";
  auto archive = tmp.path() / "deep.tar";
  ArchiveBuilder().minimal_module().file(huge, "x").write(archive, ArchiveFormat::tar);
  auto read = haven::read_archive_member(archive, "conf/userconfig.xml");
  REQUIRE_FALSE(read.ok());
  CHECK_THAT(read.error().message, Catch::Contains("deep.tar") && Catch::Contains("at most 4096"));
  CHECK(read.error().message.size() < 1000);
  // Deep but within PATH_MAX: refused by depth, naming the entry.
  auto archive65 = tmp.path() / "deep65.tar";
  ArchiveBuilder().minimal_module().file(deep65, "x").write(archive65, ArchiveFormat::tar);
  auto read65 = haven::read_archive_member(archive65, "conf/userconfig.xml");
  REQUIRE_FALSE(read65.ok());
  CHECK_THAT(read65.error().message, Catch::Contains("nested more than 64 folders deep") && Catch::Contains("d/d/d"));
  // Many entries sharing deep parents still install: parents are claimed once.
  auto wide = tmp.path() / "wide.tar";
  ArchiveBuilder builder;
  builder.minimal_module();
  for (int i = 0; i < 200; ++i) builder.file(ok64 + "f" + std::to_string(i), "x");
  builder.symlink(ok64 + "link", "f1");
  builder.write(wide, ArchiveFormat::tar);
  auto dest = tmp.path() / "out";
  std::filesystem::create_directory(dest);
  REQUIRE(haven::extract_module_archive(wide, dest).ok());
  CHECK(std::filesystem::read_symlink(dest / (ok64 + "link")) == "f1");
}
