// Runs clang-query over translation units of the compile database, a few at a time, and keeps
// each output in a cache keyed on everything it depends on, so that a second run of the test
// parses only what changed (a parse costs one to three seconds per translation unit).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace haven::config::consumption {

/// One clang-query script to run on one translation unit.
struct QueryJob {
  std::filesystem::path source;  ///< the translation unit, as in compile_commands.json
  std::string name;              ///< "uses", "fields": names the cache entry with the source
  std::string script;            ///< clang-query commands, one a line
  std::uint64_t inputs = 0;      ///< digest of what the output depends on besides the script
};

struct QueryOutput {
  std::string text;      ///< clang-query's output (diagnostics, then "N matches.")
  bool cached = false;   ///< true when it came from the cache
  std::string failure;   ///< empty when the translation unit parsed without error
};

/// FNV-1a, 64 bits: a stable digest for cache keys (std::hash may differ between builds).
class Digest {
 public:
  void add(std::string_view bytes);
  void add_file(const std::filesystem::path& file);
  std::uint64_t value() const { return value_; }

 private:
  std::uint64_t value_ = 14695981039346656037ULL;
};

class ClangQueryRuns {
 public:
  ClangQueryRuns(std::filesystem::path program, std::filesystem::path build_dir, std::filesystem::path cache_dir)
      : program_(std::move(program)), build_dir_(std::move(build_dir)), cache_dir_(std::move(cache_dir)) {}

  /// Runs every job, `workers` at a time, in the order given; results in the same order.
  std::vector<QueryOutput> run(const std::vector<QueryJob>& jobs, unsigned workers) const;

 private:
  QueryOutput run_one(const QueryJob& job) const;

  std::filesystem::path program_;
  std::filesystem::path build_dir_;
  std::filesystem::path cache_dir_;
};

}  // namespace haven::config::consumption
