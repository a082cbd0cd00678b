#include <catch2/catch.hpp>

#include "remote/connection_slots.hpp"

using haven::ConnectionSlots;

TEST_CASE("one address cannot take every slot; the others still get theirs", "[remote][slots]") {
  ConnectionSlots slots(4, 2);
  CHECK_FALSE(slots.take("198.51.100.9").has_value());
  CHECK_FALSE(slots.take("198.51.100.9").has_value());
  const auto third = slots.take("198.51.100.9");
  REQUIRE(third.has_value());
  CHECK(*third == "2 connections from that address in progress");
  CHECK_FALSE(slots.take("198.51.100.1").has_value());
  CHECK_FALSE(slots.take("198.51.100.2").has_value());
  const auto full = slots.take("198.51.100.3");
  REQUIRE(full.has_value());
  CHECK(*full == "4 connections in progress");
  CHECK(slots.active() == 4);
  CHECK(slots.sources() == 3);
}

TEST_CASE("giving back frees the slot, forgets an idle address and ignores one never taken", "[remote][slots]") {
  ConnectionSlots slots(2, 2);
  REQUIRE_FALSE(slots.take("198.51.100.9").has_value());
  slots.give_back("198.51.100.7");  // never taken
  CHECK(slots.active() == 1);
  slots.give_back("198.51.100.9");
  CHECK(slots.active() == 0);
  CHECK(slots.sources() == 0);
  CHECK(slots.from("198.51.100.9") == 0);
  slots.give_back("198.51.100.9");  // twice: still nothing below zero
  CHECK(slots.active() == 0);
  CHECK_FALSE(slots.take("198.51.100.9").has_value());
}
