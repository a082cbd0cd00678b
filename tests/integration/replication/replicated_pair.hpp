// A mirror pair whose module replicates one directory: node1's copy and node2's copy are
// two folders of this machine, each node's <replicated dir="%PAIR_DATA%"> pointing at its own.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "mirror_pair_nodes.hpp"

namespace haven::test {

/// True when this process may mount FUSE file systems (root and /dev/fuse); otherwise the
/// caller skips with the reason in `why`.
bool can_replicate(std::string& why);

/// Writes `text` as the whole of `file` (through whatever is mounted there); false on error.
bool write_whole_file(const std::filesystem::path& file, const std::string& text);
/// The whole of `file`; empty when it cannot be read.
std::string read_whole_file(const std::filesystem::path& file);
/// `size` bytes that differ with `seed`, for contents that compress badly and compare well.
std::string pseudo_random(std::size_t size, std::uint32_t seed);

class ReplicatedPair {
 public:
  /// Both havend started with the module installed (id `module_id`, so its replication ports
  /// are the case's own), `rfs_attributes` on <rfs>. Nothing is started yet.
  ReplicatedPair(int heart_port, int module_id, const std::string& rfs_attributes = "async=\"second\"");
  ~ReplicatedPair();

  MirrorPairNodes& nodes() { return *nodes_; }
  /// Node n's replicated directory (1 or 2): the application's view on that node.
  const std::filesystem::path& data(int n) const { return n == 1 ? data1_ : data2_; }
  /// Waits until node n shows the state; CHECKs nothing, returns the state seen.
  PolledState wait_state(int n, const std::string& state, const std::string& substate,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Differences between both copies (every attribute but folders' mtime), one per line;
  /// empty when equal.
  std::string differences();

 private:
  std::filesystem::path scratch_;
  std::filesystem::path data1_;
  std::filesystem::path data2_;
  std::unique_ptr<MirrorPairNodes> nodes_;
};

}  // namespace haven::test
