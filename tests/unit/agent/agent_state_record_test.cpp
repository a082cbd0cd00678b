#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "state/agent_state_record.hpp"

namespace fs = std::filesystem;

TEST_CASE("the agent's last state is read back; none without a record, UNKNOWN when torn", "[agent][crash]") {
  const auto dir = fs::temp_directory_path() / ("haven-asr-" + std::to_string(::getpid()));
  const auto file = dir / "agents" / "web.state";
  fs::create_directories(file.parent_path());
  CHECK_FALSE(haven::load_agent_state(file).has_value());

  REQUIRE(haven::save_agent_state(file, haven::ModuleState::prim, haven::SubState::ready).ok());
  CHECK(haven::load_agent_state(file) == std::optional<std::string>("PRIM"));
  REQUIRE(haven::save_agent_state(file, haven::ModuleState::stop, haven::SubState::not_ready).ok());
  CHECK(haven::load_agent_state(file) == std::optional<std::string>("STOP"));

  std::ofstream(file, std::ios::trunc) << "{\"state\":\"PR";
  CHECK(haven::load_agent_state(file) == std::optional<std::string>("UNKNOWN"));
  fs::remove_all(dir);
}
