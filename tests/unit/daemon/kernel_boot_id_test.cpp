// The boot id: the kernel's file, or the test override.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "daemon/kernel_boot_id.hpp"

using namespace haven;

namespace {

std::filesystem::path scratch_file(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("haven-boot-id-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

}  // namespace

TEST_CASE("the boot id is the first line of the kernel's file, without its newline") {
  const auto file = scratch_file("boot_id");
  std::ofstream(file) << "0f3c2d1e-aaaa-bbbb-cccc-123456789abc\n";
  auto id = current_boot_id({}, file);
  REQUIRE(id.ok());
  CHECK(*id == "0f3c2d1e-aaaa-bbbb-cccc-123456789abc");
  std::filesystem::remove_all(file.parent_path());
}

TEST_CASE("the test variable overrides the kernel's boot id; empty, it does not") {
  const auto file = scratch_file("boot_id");
  std::ofstream(file) << "kernel-id\n";
  auto overridden = current_boot_id({{kTestBootIdVariable, "simulated-boot-2"}}, file);
  REQUIRE(overridden.ok());
  CHECK(*overridden == "simulated-boot-2");
  auto empty = current_boot_id({{kTestBootIdVariable, ""}}, file);
  REQUIRE(empty.ok());
  CHECK(*empty == "kernel-id");
  std::filesystem::remove_all(file.parent_path());
}

TEST_CASE("an unreadable boot id is an error naming the file") {
  auto id = current_boot_id({}, "/nonexistent/haven/boot_id");
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == Errc::io_error);
  CHECK_THAT(id.error().message, Catch::Contains("/nonexistent/haven/boot_id"));
}

TEST_CASE("this machine's kernel gives a boot id") {
  if (!std::filesystem::exists(kKernelBootIdFile)) return;  // no /proc: nothing to read
  auto id = current_boot_id({});
  REQUIRE(id.ok());
  CHECK(id->size() == 36);  // a UUID
}
