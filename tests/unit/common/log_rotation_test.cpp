// Bounded logs: the rotation rule, the rename and copy-then-truncate rotations, and the
// module logger that applies them, fed past its bound.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/log_rotation.hpp"
#include "common/module_log.hpp"
#include "temp_folder.hpp"

using namespace haven;
using haven::test::read_text;
using haven::test::TempFolder;

namespace {

std::uint64_t total_size(const std::filesystem::path& file) {
  std::uint64_t total = std::filesystem::exists(file) ? std::filesystem::file_size(file) : 0;
  for (const auto& rotated : existing_rotated_files(file)) total += std::filesystem::file_size(rotated);
  return total;
}

// "line 00042 xxxx...": numbered lines of a fixed length, so the newest can be told apart.
std::string numbered(int i) {
  char number[16];
  std::snprintf(number, sizeof number, "%05d", i);
  return "line " + std::string(number) + " " + std::string(80, 'x');
}

}  // namespace

TEST_CASE("a log rotates only when the next line would take it past its bound, never when empty", "[log_rotation]") {
  const LogRotationLimit limit{1000, 3};
  CHECK_FALSE(rotation_due(0, 5000, limit));
  CHECK_FALSE(rotation_due(900, 100, limit));
  CHECK(rotation_due(901, 100, limit));
  CHECK(rotation_due(1500, 0, limit));
  CHECK_FALSE(rotation_due(1500, 10, LogRotationLimit{0, 3}));
}

TEST_CASE("rotated files are found newest first, in numeric order", "[log_rotation]") {
  TempFolder dir;
  const auto log = dir.path() / "module.log";
  for (int i : {1, 2, 10, 9}) std::ofstream(rotated_file_name(log, i)) << i;
  std::ofstream(dir.path() / "module.log.1.tmp") << "not a rotated file";
  std::ofstream(dir.path() / "verbose.log.1") << "another log";
  const auto found = existing_rotated_files(log);
  REQUIRE(found.size() == 4);
  CHECK(found[0].filename() == "module.log.1");
  CHECK(found[1].filename() == "module.log.2");
  CHECK(found[2].filename() == "module.log.9");
  CHECK(found[3].filename() == "module.log.10");
}

TEST_CASE("a rename rotation shifts the old files and drops the one past keep", "[log_rotation]") {
  TempFolder dir;
  const auto log = dir.path() / "havend.log";
  const LogRotationLimit limit{10, 2};
  for (const std::string content : {"first\n", "second\n", "third\n"}) {
    std::ofstream(log) << content;
    REQUIRE(rotate_log_file(log, limit, RotationMethod::rename).ok());
  }
  CHECK_FALSE(std::filesystem::exists(log));
  CHECK(read_text(rotated_file_name(log, 1)) == "third\n");
  CHECK(read_text(rotated_file_name(log, 2)) == "second\n");
  CHECK_FALSE(std::filesystem::exists(rotated_file_name(log, 3)));
}

TEST_CASE("a copy-then-truncate rotation keeps the file's identity, so an O_APPEND writer goes on writing in it",
          "[log_rotation]") {
  TempFolder dir;
  const auto log = dir.path() / "userlog.ulog";
  const int writer = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  REQUIRE(writer >= 0);
  const std::string before = "before the rotation\n", after = "after the rotation\n";
  REQUIRE(::write(writer, before.data(), before.size()) == static_cast<ssize_t>(before.size()));

  auto rotated = rotate_log_file_if_due(log, LogRotationLimit{8, 2}, 0, RotationMethod::copy_truncate);
  REQUIRE(rotated.ok());
  CHECK(*rotated);
  REQUIRE(::write(writer, after.data(), after.size()) == static_cast<ssize_t>(after.size()));
  ::close(writer);

  CHECK(read_text(rotated_file_name(log, 1)) == before);
  CHECK(read_text(log) == after);  // from offset 0: the writer followed the truncation
  CHECK_FALSE(std::filesystem::exists(rotated_file_name(log, 1).string() + ".tmp"));
}

TEST_CASE("a rotation that is not due does nothing, and a missing file is not an error", "[log_rotation]") {
  TempFolder dir;
  const auto log = dir.path() / "module.log";
  auto missing = rotate_log_file_if_due(log, LogRotationLimit{8, 2}, 100, RotationMethod::rename);
  REQUIRE(missing.ok());
  CHECK_FALSE(*missing);
  std::ofstream(log) << "short\n";
  auto small = rotate_log_file_if_due(log, LogRotationLimit{1000, 2}, 10, RotationMethod::rename);
  REQUIRE(small.ok());
  CHECK_FALSE(*small);
  CHECK(read_text(log) == "short\n");
}

TEST_CASE("the module logger written far past its bounds keeps every log bounded and the newest lines",
          "[log_rotation][module_log]") {
  TempFolder dir;
  const auto paths = HavenPaths::under(dir.path());
  ModuleLogLimits limits;
  limits.module_log = {4096, 2};
  limits.verbose_log = {8192, 3};
  limits.user_log = {2048, 2};
  auto logger = open_module_logger(paths, "web", limits);
  REQUIRE(logger.ok());
  const auto files = module_log_files(paths, "web");

  // A hook's background program holds the user log open with O_APPEND all along.
  const int hook_output = ::open(files.user_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  REQUIRE(hook_output >= 0);
  constexpr int kLines = 2000;
  for (int i = 0; i < kLines; ++i) {
    (*logger)->info("{}", numbered(i));
    (*logger)->debug("debug {}", numbered(i));
    const auto hook_line = "2026-01-01 00:00:00.000 start_prim " + numbered(i) + "\n";
    REQUIRE(::write(hook_output, hook_line.data(), hook_line.size()) == static_cast<ssize_t>(hook_line.size()));
  }
  (*logger)->info("{}", numbered(kLines));  // the last write above is rotated away if due
  ::close(hook_output);

  // Written: ~230 KB to module.log, ~460 KB to verbose.log, ~240 KB to the user log.
  const std::uint64_t line_max = 200;
  CHECK(total_size(files.module_log) <= 3 * (4096 + line_max));
  CHECK(total_size(files.verbose_log) <= 4 * (8192 + line_max));
  CHECK(total_size(files.user_log) <= 3 * (2048 + line_max) + line_max);
  CHECK(existing_rotated_files(files.module_log).size() == 2);
  CHECK(existing_rotated_files(files.verbose_log).size() == 3);
  CHECK(existing_rotated_files(files.user_log).size() == 2);

  const auto module_text = read_text(rotated_file_name(files.module_log, 2)) +
                           read_text(rotated_file_name(files.module_log, 1)) + read_text(files.module_log);
  CHECK_THAT(read_text(files.module_log), Catch::Contains(numbered(kLines)));
  std::size_t at = 0;
  for (int i = kLines - 40; i <= kLines; ++i) {  // the newest lines, all there and in order
    const auto found = module_text.find(numbered(i), at);
    INFO("line " << i);
    REQUIRE(found != std::string::npos);
    at = found;
  }
  CHECK_THAT(module_text, !Catch::Contains(numbered(0)));
  CHECK_THAT(module_text, !Catch::Contains("debug"));
  CHECK_THAT(read_text(files.verbose_log), Catch::Contains("debug " + numbered(kLines - 1)));
  CHECK_THAT(read_text(files.user_log) + read_text(rotated_file_name(files.user_log, 1)),
             Catch::Contains("start_prim " + numbered(kLines - 1)));
}

TEST_CASE("lines other processes append to module.log count toward its bound", "[log_rotation][module_log]") {
  TempFolder dir;
  const auto paths = HavenPaths::under(dir.path());
  ModuleLogLimits limits;
  limits.module_log = {2048, 2};
  auto logger = open_module_logger(paths, "db", limits);
  REQUIRE(logger.ok());
  const auto files = module_log_files(paths, "db");
  for (int i = 0; i < 100; ++i) REQUIRE(append_log_line(files.module_log, LogLevel::info, "db: " + numbered(i)).ok());
  (*logger)->info("the agent's line");
  CHECK(existing_rotated_files(files.module_log).size() == 1);
  CHECK(std::filesystem::file_size(files.module_log) < 2048);
  CHECK_THAT(read_text(files.module_log), Catch::Contains("the agent's line"));
}

TEST_CASE("after another process renamed module.log, the logger writes into a new module.log",
          "[log_rotation][module_log]") {
  TempFolder dir;
  const auto paths = HavenPaths::under(dir.path());
  auto logger = open_module_logger(paths, "app", ModuleLogLimits{});
  REQUIRE(logger.ok());
  const auto files = module_log_files(paths, "app");
  (*logger)->info("before");
  std::filesystem::rename(files.module_log, dir.path() / "moved.log");
  (*logger)->info("after");
  CHECK_THAT(read_text(files.module_log), Catch::Contains(" I after") && !Catch::Contains("before"));
  CHECK_THAT(read_text(dir.path() / "moved.log"), Catch::Contains(" I before"));
}

TEST_CASE("userlogsize, in KiB, bounds the user log; 0 keeps the default", "[module_log]") {
  CHECK(user_log_limit(512).max_bytes == 512u * 1024u);
  CHECK(user_log_limit(0).max_bytes == ModuleLogLimits{}.user_log.max_bytes);
  CHECK(user_log_limit(512).keep == ModuleLogLimits{}.user_log.keep);
}

TEST_CASE("levels are read from log lines and typed as letters or words", "[module_log]") {
  CHECK(log_line_level("2026-11-25 17:04:12.345 E cannot start") == LogLevel::error);
  CHECK(log_line_level("2026-11-25 17:04:12.345 W slow") == LogLevel::warning);
  CHECK(log_line_level("2026-11-25 17:04:12.345 I Local state ALONE Ready") == LogLevel::info);
  CHECK(log_line_level("2026-11-25 17:04:12.345 D heartbeat") == LogLevel::debug);
  CHECK(log_line_level(format_log_line(LogLevel::warning, "x")) == LogLevel::warning);
  CHECK_FALSE(log_line_level("  the second line of a message"));
  CHECK_FALSE(log_line_level("2026-11-25 17:04:12.345 start_prim hello"));
  CHECK(parse_log_level("E") == LogLevel::error);
  CHECK(parse_log_level("Warning") == LogLevel::warning);
  CHECK(parse_log_level("warn") == LogLevel::warning);
  CHECK(parse_log_level("i") == LogLevel::info);
  CHECK(parse_log_level("debug") == LogLevel::debug);
  CHECK_FALSE(parse_log_level("fr"));
}

TEST_CASE("the agent can set the user log's bound from the loaded configuration", "[log_rotation][module_log]") {
  CHECK(user_log_limit(64).max_bytes == 64u * 1024u);
  CHECK(user_log_limit(0).max_bytes == ModuleLogLimits{}.user_log.max_bytes);
  CHECK(user_log_limit(64).keep == ModuleLogLimits{}.user_log.keep);

  TempFolder dir;
  const auto paths = HavenPaths::under(dir.path());
  auto logger = open_module_logger(paths, "web", ModuleLogLimits{});
  REQUIRE(logger.ok());
  const auto files = module_log_files(paths, "web");
  std::ofstream(files.user_log) << std::string(4096, 'u') << "\n";
  (*logger)->info("under the default bound: no rotation");
  CHECK(existing_rotated_files(files.user_log).empty());
  REQUIRE(set_user_log_limit(**logger, LogRotationLimit{1024, 2}));
  (*logger)->info("past the new bound: rotated");
  CHECK(existing_rotated_files(files.user_log).size() == 1);
  CHECK(std::filesystem::file_size(files.user_log) == 0);

  spdlog::logger plain("plain");
  CHECK_FALSE(set_user_log_limit(plain, LogRotationLimit{1024, 2}));
}
