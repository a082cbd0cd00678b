#include "journal_records.hpp"

#include <fstream>
#include <string>

namespace haven::test {

std::vector<std::uint64_t> journal_records(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::uint64_t> out;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof() || line.size() != 10) break;
    out.push_back(std::stoull(line));
  }
  return out;
}

}  // namespace haven::test
