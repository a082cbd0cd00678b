// A seeded generator of valid changes for a tree it models: folders, files, links, renames,
// attributes, so that the primary's applier accepts every one it makes.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "replication/change_message.hpp"

class RandomChanges {
 public:
  explicit RandomChanges(std::uint64_t seed) : random_(seed) {}
  haven::replication::Change next();

 private:
  std::string new_name(const std::string& folder);
  std::string pick(const std::vector<std::string>& from);
  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(random_); }

  std::mt19937_64 random_;
  std::vector<std::string> folders_{""};
  std::vector<std::string> files_;
  std::uint64_t names_ = 0;
  std::int64_t clock_ns_ = 1'700'000'000'000'000'000;
};
