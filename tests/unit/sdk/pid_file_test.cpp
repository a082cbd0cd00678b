#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "haven/pid_file.hpp"

using namespace haven;

TEST_CASE("a pid file: one pid on the first line, anything else refused naming the file", "[sdk][pidfile]") {
  CHECK(parse_pid_file("1234\n", "/run/x.pid").value() == 1234);
  CHECK(parse_pid_file(" 77 \r\nrest", "/run/x.pid").value() == 77);
  for (const char* bad : {"", "\n", "abc\n", "0\n", "-5\n", "12ab\n", "99999999999\n"}) {
    auto parsed = parse_pid_file(bad, "/run/x.pid");
    INFO("text: '" << bad << "'");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == Errc::invalid_argument);
    CHECK(parsed.error().message.find("/run/x.pid") != std::string::npos);
  }
  auto none = read_pid_file("/nonexistent/haven-test.pid");
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("a pid file written is read back, replacing the one there", "[sdk][pidfile]") {
  const auto file = std::filesystem::temp_directory_path() / ("haven-pid-" + std::to_string(::getpid()) + ".pid");
  std::ofstream(file) << "torn";
  REQUIRE(write_pid_file(file, 4321));
  auto back = read_pid_file(file);
  REQUIRE(back);
  CHECK(back->value() == 4321);
  CHECK_FALSE(std::filesystem::exists(file.string() + ".new"));
  std::filesystem::remove(file);
  CHECK_FALSE(write_pid_file("/nonexistent/folder/x.pid", 1));
}
