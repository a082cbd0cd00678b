#include <catch2/catch.hpp>

#include "control/control_message.hpp"

using haven::ControlResponse;
using haven::Errc;

TEST_CASE("a refusal keeps the data a caller acts on through its line form", "[control]") {
  auto refused = ControlResponse::failure(haven::Error{Errc::refused, "module m is SECOND here"});
  refused.data = {{"primary", "node1"}};
  auto back = ControlResponse::parse(refused.to_json().dump());
  REQUIRE(back.ok());
  CHECK_FALSE(back->ok);
  CHECK(back->code == Errc::refused);
  CHECK(back->message == "module m is SECOND here");
  CHECK(back->data.value("primary", "") == "node1");
}

TEST_CASE("a failure without data reads back without data", "[control]") {
  auto failed = ControlResponse::failure(haven::Error{Errc::not_found, "no module x"});
  const auto line = failed.to_json();
  CHECK_FALSE(line.contains("data"));
  auto back = ControlResponse::parse(line.dump());
  REQUIRE(back.ok());
  CHECK(back->data.is_null());
  CHECK(back->code == Errc::not_found);
}

TEST_CASE("a success keeps its data", "[control]") {
  auto done = ControlResponse::success("started", {{"state", "PRIM"}});
  auto back = ControlResponse::parse(done.to_json().dump());
  REQUIRE(back.ok());
  CHECK(back->ok);
  CHECK(back->data.value("state", "") == "PRIM");
}
