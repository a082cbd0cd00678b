#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <string>

#include "common/atomic_file.hpp"
#include "common/haven_paths.hpp"
#include "state/node_knowledge_store.hpp"

namespace fs = std::filesystem;
using haven::NodeKnowledge;
using haven::Role;

namespace {

// A fresh folder per test, removed at the end.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("haven-knowledge-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& file, const std::string& text) {
  REQUIRE(haven::write_file_atomically(file, text).ok());
}

}  // namespace

TEST_CASE("saved knowledge reads back identical", "[knowledge]") {
  ScratchDir dir;
  auto file = haven::HavenPaths::under(dir.path).knowledge_file("generic-mirror");
  NodeKnowledge known{true, Role::prim, 42};
  REQUIRE(haven::save_knowledge(file, known).ok());
  auto back = haven::load_knowledge(file);
  REQUIRE(back.ok());
  CHECK(*back == known);

  NodeKnowledge second{false, Role::second, 18446744073709551615ULL};
  REQUIRE(haven::save_knowledge(file, second).ok());
  auto again = haven::load_knowledge(file);
  REQUIRE(again.ok());
  CHECK(*again == second);
}

TEST_CASE("a missing knowledge file means never up to date", "[knowledge]") {
  ScratchDir dir;
  auto back = haven::load_knowledge(dir.path / "knowledge" / "absent.json");
  REQUIRE(back.ok());
  CHECK_FALSE(back->data_uptodate);
  CHECK(back->last_role == Role::none);
  CHECK(back->generation == 0);
}

TEST_CASE("saving creates the knowledge folder and leaves no temporary file", "[knowledge]") {
  ScratchDir dir;
  auto file = dir.path / "deep" / "knowledge" / "m.json";
  REQUIRE(haven::save_knowledge(file, NodeKnowledge{true, Role::prim, 1}).ok());
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(file.parent_path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("a corrupt knowledge file is an error naming the file, never a default", "[knowledge]") {
  ScratchDir dir;
  auto file = dir.path / "m.json";
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{\"format\":1,\"data_uptodate\":tru", "not valid JSON"},
      {"[1,2]", "expected a JSON object"},
      {"{\"data_uptodate\":true,\"last_role\":\"prim\",\"generation\":1}", "\"format\""},
      {"{\"format\":7,\"data_uptodate\":true,\"last_role\":\"prim\",\"generation\":1}", "format 1"},
      {"{\"format\":1,\"last_role\":\"prim\",\"generation\":1}", "\"data_uptodate\""},
      {"{\"format\":1,\"data_uptodate\":\"yes\",\"last_role\":\"prim\",\"generation\":1}", "\"data_uptodate\""},
      {"{\"format\":1,\"data_uptodate\":true,\"last_role\":\"primary\",\"generation\":1}", "\"primary\""},
      {"{\"format\":1,\"data_uptodate\":true,\"last_role\":3,\"generation\":1}", "\"last_role\""},
      {"{\"format\":1,\"data_uptodate\":true,\"last_role\":\"prim\",\"generation\":-1}", "\"generation\""},
      {"{\"format\":1,\"data_uptodate\":true,\"last_role\":\"prim\"}", "\"generation\""},
  };
  for (const auto& c : cases) {
    INFO("content: " << c.text);
    write(file, c.text);
    auto back = haven::load_knowledge(file);
    REQUIRE_FALSE(back.ok());
    CHECK_THAT(back.error().message, Catch::Contains(file.string()));
    CHECK_THAT(back.error().message, Catch::Contains(c.expected));
  }
}

TEST_CASE("a knowledge path that is a folder is an error naming it", "[knowledge]") {
  ScratchDir dir;
  auto file = dir.path / "m.json";
  fs::create_directories(file);
  auto back = haven::load_knowledge(file);
  REQUIRE_FALSE(back.ok());
  CHECK_THAT(back.error().message, Catch::Contains(file.string()));
  auto saved = haven::save_knowledge(file, NodeKnowledge{});
  REQUIRE_FALSE(saved.ok());
  CHECK_THAT(saved.error().message, Catch::Contains(file.string()));
}
