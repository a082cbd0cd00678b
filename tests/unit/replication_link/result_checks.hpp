// Catch2 checks on haven::Result and haven::Status that show the error's message on failure.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "haven/result.hpp"

/// The value of `r`, REQUIRE-ing that it holds one.
template <typename T>
T require_value(haven::Result<T> r) {
  INFO((r.ok() ? std::string() : r.error().message));
  REQUIRE(r.ok());
  return std::move(r).value();
}

/// REQUIREs that `st` is OK.
inline void require_ok(const haven::Status& st) {
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st.ok());
}
