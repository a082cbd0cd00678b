// The snapshot's zip: what goes in comes out (read back with libarchive), and the file
// appears whole or not at all.
#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "temp_folder.hpp"
#include "zip_writer.hpp"

using namespace haven;
using namespace haven::cli;
using haven::test::TempFolder;

namespace {

std::map<std::string, std::string> read_zip(const std::filesystem::path& file) {
  std::map<std::string, std::string> members;
  archive* a = archive_read_new();
  archive_read_support_format_zip(a);
  REQUIRE(archive_read_open_filename(a, file.c_str(), 1 << 16) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string content;
    char buf[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) content.append(buf, static_cast<std::size_t>(n));
    members[archive_entry_pathname(entry)] = content;
  }
  archive_read_free(a);
  return members;
}

bool has_temporary_file(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("members written into the zip read back the same, and the zip is private to its owner", "[zip]") {
  TempFolder dir;
  std::ofstream(dir.path() / "module.log") << "line one\nline two\n";
  const auto file = dir.path() / "snapshot.zip";
  auto zip = ZipWriter::create(file);
  REQUIRE(zip.ok());
  REQUIRE(zip->add_text("MANIFEST.txt", "what is inside\n").ok());
  REQUIRE(zip->add_file("modules/web/log/module.log", dir.path() / "module.log").ok());
  CHECK(zip->add_file("gone.log", dir.path() / "gone.log").error().code == Errc::not_found);
  CHECK_FALSE(std::filesystem::exists(file));  // nothing under the name before commit
  auto size = zip->commit();
  REQUIRE(size.ok());
  CHECK(*size == std::filesystem::file_size(file));
  CHECK(zip->entries() == 2);
  const auto members = read_zip(file);
  REQUIRE(members.size() == 2);
  CHECK(members.at("MANIFEST.txt") == "what is inside\n");
  CHECK(members.at("modules/web/log/module.log") == "line one\nline two\n");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(has_temporary_file(dir.path()));
}

TEST_CASE("a snapshot abandoned before commit leaves neither the file nor a temporary one", "[zip]") {
  TempFolder dir;
  const auto file = dir.path() / "snapshot.zip";
  std::ofstream(file) << "the previous snapshot";
  {
    auto zip = ZipWriter::create(file);
    REQUIRE(zip.ok());
    REQUIRE(zip->add_text("a", "b").ok());
  }
  CHECK_FALSE(has_temporary_file(dir.path()));
  std::ifstream in(file);
  std::string previous;
  std::getline(in, previous);
  CHECK(previous == "the previous snapshot");
}

TEST_CASE("a snapshot into a missing folder is refused with the folder's name", "[zip]") {
  TempFolder dir;
  auto zip = ZipWriter::create(dir.path() / "missing" / "snapshot.zip");
  REQUIRE_FALSE(zip.ok());
  CHECK_THAT(zip.error().message, Catch::Contains((dir.path() / "missing").string()) && Catch::Contains("does not exist"));
}
