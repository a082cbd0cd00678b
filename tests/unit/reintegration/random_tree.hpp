// Seeded random trees for the reintegration tests: folders, files of several blocks, sparse
// files, hard links, symbolic links, FIFOs, xattrs, odd names, owners, modes and times.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

struct RandomTreeOptions {
  int entries = 60;
  std::uint64_t max_file_size = 600 * 1024;
};

/// Fills the folder `root_fd` (an O_PATH or O_RDONLY descriptor of an empty folder).
void make_random_tree(int root_fd, std::uint32_t seed, const RandomTreeOptions& options = {});

/// Changes a tree as an application would: rewrites regions of some files, appends, truncates,
/// removes and adds names, changes modes. Returns nothing: the tests compare trees.
void mutate_tree(int root_fd, std::uint32_t seed, int changes);

/// Every regular file below root_fd (relative paths).
std::vector<std::string> regular_files(int root_fd);

/// n random bytes.
std::string random_bytes(std::mt19937& rng, std::size_t n);
