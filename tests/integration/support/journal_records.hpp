// The zero-loss tests' journal: numbered records of 10 digits and a newline, appended by a
// writer that fsyncs each one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace haven::test {

/// The records of a journal, in file order; a torn last line counts as absent.
std::vector<std::uint64_t> journal_records(const std::filesystem::path& file);

}  // namespace haven::test
