// What `haven state`, `haven rfsdiff` and `haven rfsverify` print about replication, from the
// JSON the agent answers (ReplicationSession::state_json, rfsdiff_json, rfsverify_json).
// Pure text functions, so that they are tested without a running pair.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace haven::cli {

/// 1536 -> "1.5 KiB", 300 -> "300 B": binary units, one decimal above bytes.
std::string human_bytes(std::uint64_t bytes);

/// The one line `haven state` prints under a replicating module, from its "replication"
/// object: "replication: primary, in sync", "replication: primary, not in sync (secondary
/// not connected)", "replication: primary, reintegration full 42% (120.0/286.1 MiB, 35.2
/// MiB/s, 5 s left)". No trailing newline.
std::string replication_line(const nlohmann::json& replication);

/// With `haven state -v`: one line per replicated directory (each indented by `indent`,
/// newline-terminated): connected or lost, what was sent or applied, its reintegration.
std::string replication_directory_lines(const nlohmann::json& replication, const std::string& indent);

/// `haven rfsdiff`: per directory what a full reintegration would send, then the total.
std::string rfsdiff_text(const nlohmann::json& diff);

/// `haven rfsverify`: per directory equal or the paths that differ, then a verdict line.
std::string rfsverify_text(const nlohmann::json& verify);

/// True when rfsverify found every directory equal (the CLI's exit code follows it).
bool rfsverify_all_equal(const nlohmann::json& verify);

}  // namespace haven::cli
