// The FUSE callbacks of a replicated directory (high-level path API, see replicated_fs.cpp
// for why), grouped by what they touch. Each works through FsContext::lower_fd with *at
// calls, never through the mount path, which would come back to us.
#pragma once

#define FUSE_USE_VERSION 312
#include <fuse.h>

#include <string>

namespace haven::replication_fs::detail {

// file contents: operations_data.cpp
int op_open(const char* path, fuse_file_info* fi);
int op_create(const char* path, mode_t mode, fuse_file_info* fi);
int op_read(const char* path, char* buf, size_t size, off_t offset, fuse_file_info* fi);
int op_read_buf(const char* path, fuse_bufvec** bufp, size_t size, off_t offset, fuse_file_info* fi);
int op_write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info* fi);
int op_write_buf(const char* path, fuse_bufvec* buf, off_t offset, fuse_file_info* fi);
int op_flush(const char* path, fuse_file_info* fi);
int op_release(const char* path, fuse_file_info* fi);
int op_fsync(const char* path, int datasync, fuse_file_info* fi);
int op_truncate(const char* path, off_t size, fuse_file_info* fi);
int op_fallocate(const char* path, int mode, off_t offset, off_t length, fuse_file_info* fi);
ssize_t op_copy_file_range(const char* path_in, fuse_file_info* fi_in, off_t offset_in, const char* path_out,
                           fuse_file_info* fi_out, off_t offset_out, size_t size, int flags);
off_t op_lseek(const char* path, off_t offset, int whence, fuse_file_info* fi);

// names and directories: operations_names.cpp
int op_getattr(const char* path, struct stat* st, fuse_file_info* fi);
int op_readlink(const char* path, char* buf, size_t size);
int op_mknod(const char* path, mode_t mode, dev_t rdev);
int op_mkdir(const char* path, mode_t mode);
int op_unlink(const char* path);
int op_rmdir(const char* path);
int op_symlink(const char* target, const char* path);
int op_rename(const char* from, const char* to, unsigned int flags);
int op_link(const char* from, const char* to);
int op_statfs(const char* path, struct statvfs* st);
int op_opendir(const char* path, fuse_file_info* fi);
int op_readdir(const char* path, void* buf, fuse_fill_dir_t filler, off_t offset, fuse_file_info* fi,
               fuse_readdir_flags flags);
int op_releasedir(const char* path, fuse_file_info* fi);
int op_fsyncdir(const char* path, int datasync, fuse_file_info* fi);

// attributes: operations_attributes.cpp
int op_chmod(const char* path, mode_t mode, fuse_file_info* fi);
int op_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi);
int op_utimens(const char* path, const struct timespec tv[2], fuse_file_info* fi);
int op_setxattr(const char* path, const char* name, const char* value, size_t size, int flags);
int op_getxattr(const char* path, const char* name, char* value, size_t size);
int op_listxattr(const char* path, char* list, size_t size);
int op_removexattr(const char* path, const char* name);

/// Gives a just-created `rel` to the calling process's user, and to its group or the parent
/// directory's (set-group-ID parent), as the kernel would have had the caller created it;
/// then sets `mode` (our own umask must not apply twice). -errno on failure.
int give_to_caller(int lower_fd, const std::string& rel, mode_t mode, bool set_mode);

}  // namespace haven::replication_fs::detail
