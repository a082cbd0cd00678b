// The manifest on the wire, from the secondary to the primary: compact, little-endian, every
// length checked on the way in. The decoder trusts nothing: the bytes come from the other node.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "haven/result.hpp"
#include "reintegration/tree_manifest.hpp"

namespace haven::reintegration {

/// "HVMF", version 1, block size, entry count, then each entry (see manifest_codec.cpp).
std::vector<std::byte> encode_manifest(const TreeManifest& manifest);

/// Parses and validates: magic and version, block size in [4 KiB, 64 MiB], known types, safe
/// paths strictly increasing (sorted, no duplicates), bounded names and values, as many
/// hashes as the size needs, nothing left over. invalid_argument naming the entry (index and
/// path) and the field that is wrong.
Result<TreeManifest> decode_manifest(std::span<const std::byte> bytes);

/// The primary's request for the secondary's manifest: "HVMQ", version 1, with_hashes,
/// block size, and the roots when there are (the filter is not carried: the secondary applies
/// its own <notreplicated> rules, which are the same module's).
std::vector<std::byte> encode_manifest_request(const ManifestOptions& options);

/// Parses a request from the peer: magic and version, block size in [4 KiB, 64 MiB], roots
/// that are safe relative paths, nothing left over. invalid_argument saying what is wrong.
/// The result has no filter.
Result<ManifestOptions> decode_manifest_request(std::span<const std::byte> bytes);

}  // namespace haven::reintegration
