#include <catch2/catch.hpp>

#include "common/log_text.hpp"
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

namespace {

// {"a": [[[ ... ]]]} with `levels` arrays: ~2 bytes a level, well under the 1 MiB frame limit.
std::string nested(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

}  // namespace

TEST_CASE("finding 4: a request nested deeper than the limit is refused before it is copied", "[control][depth]") {
  // Deep enough to overflow the stack of a recursive copy or dump.
  const std::string line = R"({"command":"state","args":{"a":)" + nested(300'000) + "}}";
  auto r = haven::ControlRequest::parse(line);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::parse_error);
  CHECK_THAT(r.error().message, Catch::Contains("control request") && Catch::Contains("64 levels"));
}

TEST_CASE("finding 4: a response nested deeper than the limit is refused", "[control][depth]") {
  const std::string line = R"({"ok":true,"message":"","data":)" + nested(300'000) + "}";
  auto r = ControlResponse::parse(line);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("control response") && Catch::Contains("64 levels"));
}

TEST_CASE("a request nested up to the limit is read whole", "[control][depth]") {
  const std::string line = R"({"command":"state","args":{"a":)" + nested(62) + "}}";
  auto r = haven::ControlRequest::parse(line);
  REQUIRE(r.ok());
  CHECK(r->args["a"].is_array());
  CHECK(r->to_json().dump().size() == line.size() + std::string(R"(,"module":"")").size());
}

TEST_CASE("finding 17: a name from outside reaches a log line escaped and bounded", "[control][log]") {
  CHECK(haven::log_text("web") == "web");
  CHECK(haven::log_text("x\n2099-01-01 00:00:00.000 I FORGED") == R"(x\x0a2099-01-01 00:00:00.000 I FORGED)");
  CHECK(haven::log_text("\x1b[31mred\\") == R"(\x1b[31mred\x5c)");
  CHECK(haven::log_text("caf\xc3\xa9") == R"(caf\xc3\xa9)");
  CHECK(haven::log_text(std::string(300, 'a'), 10) == "aaaaaaaaaa...");
}
