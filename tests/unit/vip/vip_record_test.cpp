#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "vip/vip_record.hpp"

using namespace haven::vip;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("haven-vip-record-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("a recorded list of virtual addresses reads back as written") {
  const auto dir = scratch("roundtrip");
  const auto file = dir / "vips" / "web.json";
  std::vector<AddressAssignment> list{{"eth0", IpPrefix{*parse_ip_address("198.51.100.50"), 24}, "eth0:0"},
                                      {"eth0", IpPrefix{*parse_ip_address("2001:db8::50"), 64}, ""}};
  REQUIRE(save_vip_record(file, "web", list).ok());
  auto back = load_vip_record(file);
  REQUIRE(back.ok());
  CHECK(*back == list);
  REQUIRE(clear_vip_record(file).ok());
  CHECK_FALSE(fs::exists(file));
  CHECK(clear_vip_record(file).ok());
  fs::remove_all(dir);
}

TEST_CASE("no record means no address to remove") {
  auto back = load_vip_record(scratch("absent") / "web.json");
  REQUIRE(back.ok());
  CHECK(back->empty());
}

TEST_CASE("a damaged record is an error naming the file, never an empty list") {
  const auto dir = scratch("damaged");
  fs::create_directories(dir);
  const auto file = dir / "web.json";
  std::ofstream(file) << R"({"addresses": [{"interface": "eth0", "address": "not-an-ip", "prefix": 24}]})";
  auto back = load_vip_record(file);
  REQUIRE_FALSE(back.ok());
  CHECK(back.error().code == haven::Errc::parse_error);
  CHECK_THAT(back.error().message, Catch::Contains(file.string()));
  CHECK_THAT(back.error().message, Catch::Contains("not-an-ip"));
  fs::remove_all(dir);
}
