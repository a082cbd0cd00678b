#include "include_graph.hpp"

#include <fstream>
#include <regex>
#include <string>

namespace haven::config::consumption {

namespace fs = std::filesystem;

const std::vector<fs::path>& IncludeGraph::direct(const fs::path& file, const std::vector<fs::path>& include_dirs) {
  // Keyed by file alone: every translation unit of the project has the same project -I
  // folders, and a header found through one of them is the same file for all.
  if (auto found = direct_.find(file); found != direct_.end()) return found->second;
  static const std::regex quoted_include(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<fs::path> out;
  std::ifstream in(file);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_search(line, m, quoted_include)) continue;
    std::vector<fs::path> candidates{file.parent_path() / m[1].str()};
    for (const auto& dir : include_dirs) candidates.push_back(dir / m[1].str());
    for (const auto& candidate : candidates) {
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) {
        out.push_back(fs::weakly_canonical(candidate));
        break;
      }
    }
  }
  return direct_.emplace(file, std::move(out)).first->second;
}

std::set<fs::path> IncludeGraph::closure(const fs::path& file, const std::vector<fs::path>& include_dirs) {
  std::set<fs::path> seen{fs::weakly_canonical(file)};
  std::vector<fs::path> todo(seen.begin(), seen.end());
  while (!todo.empty()) {
    const fs::path next = todo.back();
    todo.pop_back();
    for (const auto& included : direct(next, include_dirs))
      if (seen.insert(included).second) todo.push_back(included);
  }
  return seen;
}

}  // namespace haven::config::consumption
