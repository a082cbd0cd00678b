// The project's own `#include "..."` edges: which source files a translation unit can see.
// Used to pick the translation units that can read the configuration model, and to key the
// cache of their scans on everything they include from the project.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <vector>

namespace haven::config::consumption {

class IncludeGraph {
 public:
  /// Every project file `file` includes, directly or not, with `file` itself. A quoted include
  /// is looked up beside the including file, then in `include_dirs` (the -I of its compile
  /// command), as the compiler does; one found nowhere (a system header) is left out.
  std::set<std::filesystem::path> closure(const std::filesystem::path& file,
                                          const std::vector<std::filesystem::path>& include_dirs);

 private:
  const std::vector<std::filesystem::path>& direct(const std::filesystem::path& file,
                                                   const std::vector<std::filesystem::path>& include_dirs);

  std::map<std::filesystem::path, std::vector<std::filesystem::path>> direct_;
};

}  // namespace haven::config::consumption
