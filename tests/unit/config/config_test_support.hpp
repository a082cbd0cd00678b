// Helpers shared by the configuration tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"

namespace haven::config::testing {

inline std::filesystem::path data_dir() {
  const char* src = std::getenv("HAVEN_SOURCE_DIR");
  return std::filesystem::path(src ? src : HAVEN_TEST_SOURCE_DIR) / "tests" / "data";
}

/// The diagnostics with this severity whose path is `path` and message contains `needle`.
inline std::vector<Diagnostic> matching(const std::vector<Diagnostic>& all, Severity severity,
                                        const std::string& path, const std::string& needle) {
  std::vector<Diagnostic> out;
  for (const auto& d : all)
    if (d.severity == severity && d.path == path && d.message.find(needle) != std::string::npos) out.push_back(d);
  return out;
}

inline std::string dump(const std::vector<Diagnostic>& all) {
  std::string out;
  for (const auto& d : all) out += d.to_string() + "\n";
  return out;
}

}  // namespace haven::config::testing
