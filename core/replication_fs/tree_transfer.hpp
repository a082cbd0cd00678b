// What a rename or link across the <notreplicated> boundary sends, so that the secondary
// still holds exactly the replicated part of the tree: a path that leaves the replicated
// part is removed there, one that enters it is sent whole. Runs under the ordering lock.
#pragma once

#include <string>

#include "replication_fs/fs_context.hpp"

namespace haven::replication_fs::detail {

/// Submits the removal, on the secondary, of `remote_rel` and everything below it, as the
/// tree now found locally at `local_rel` (depth first: unlink files, then rmdir). Entries
/// the filter keeps local under `remote_rel` are skipped (the secondary never had them).
void send_removal(ChangeBatch& batch, const std::string& local_rel, const std::string& remote_rel);

/// Submits what recreates the local `rel` on the secondary: mkdir/create/symlink/mknod with
/// owner and mode, the data (holes skipped, size set), xattrs and times, recursively.
/// Hard links inside arrive as separate files (the tree is read, not its inode graph).
void send_content(ChangeBatch& batch, const std::string& rel);

}  // namespace haven::replication_fs::detail
