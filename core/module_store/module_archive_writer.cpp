#include "module_store/module_archive_writer.hpp"
#include "module_store/archive_error_text.hpp"
#include "module_store/module_archive_walk.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace haven {
namespace {

struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class ZipWriter {
 public:
  ZipWriter(const std::filesystem::path& module_dir, const std::filesystem::path& out)
      : dir_(module_dir), out_(out), a_(archive_write_new()) {}

  Status open() {
    if (!a_) return fail(Errc::internal, "libarchive could not allocate a writer for " + out_.string());
    if (archive_write_set_format_zip(a_.get()) != ARCHIVE_OK ||
        archive_write_open_filename(a_.get(), out_.c_str()) != ARCHIVE_OK) {
      return library_error("cannot create the archive");
    }
    return ok_status();
  }

  Status add(const std::string& rel) {
    const auto path = dir_ / rel;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      return fail(Errc::io_error, "cannot read " + path.string() + ": " + std::strerror(errno));
    }
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    // What install would keep anyway: no group/other write bits travel in a package.
    archive_entry_set_perm(entry.get(), st.st_mode & kModuleModeMask);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    std::string target;
    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_pathname(entry.get(), (rel + "/").c_str());
      archive_entry_set_filetype(entry.get(), AE_IFDIR);
      archive_entry_set_size(entry.get(), 0);
    } else if (S_ISREG(st.st_mode)) {
      archive_entry_set_pathname(entry.get(), rel.c_str());
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_size(entry.get(), st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      target = std::filesystem::read_symlink(path, ec).string();
      if (ec) return fail(Errc::io_error, "cannot read the symbolic link " + path.string() + ": " + ec.message());
      archive_entry_set_pathname(entry.get(), rel.c_str());
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_symlink(entry.get(), target.c_str());
      archive_entry_set_size(entry.get(), 0);
    } else {
      return fail(Errc::invalid_argument, "cannot package " + path.string() +
                                              ": it is not a folder, a file or a symbolic link "
                                              "(a module holds only those); remove it from the module");
    }
    if (archive_write_header(a_.get(), entry.get()) != ARCHIVE_OK) return library_error("cannot add " + rel + " to");
    if (S_ISREG(st.st_mode)) return copy_content(path, static_cast<std::uint64_t>(st.st_size));
    return ok_status();
  }

  Status close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return library_error("cannot finish");
    return ok_status();
  }

 private:
  Status copy_content(const std::filesystem::path& path, std::uint64_t size) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(Errc::io_error, "cannot open " + path.string() + ": " + std::strerror(errno));
    std::array<char, 64 * 1024> buffer{};
    std::uint64_t written = 0;
    // Exactly the size announced in the header, even if the file changes meanwhile.
    while (written < size) {
      ssize_t n = ::read(fd, buffer.data(), static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - written)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = n < 0 ? errno : 0;
        ::close(fd);
        return fail(Errc::io_error, "cannot read " + path.string() + ": " +
                                        (err != 0 ? std::strerror(err) : "the file shrank while it was packaged"));
      }
      if (archive_write_data(a_.get(), buffer.data(), static_cast<std::size_t>(n)) != n) {
        ::close(fd);
        return library_error("cannot write " + path.string() + " into");
      }
      written += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    return ok_status();
  }

  Error library_error(const std::string& what) {
    return fail(Errc::io_error, what + " archive " + out_.string() + ": " + archive_error_text(a_.get()));
  }

  std::filesystem::path dir_;
  std::filesystem::path out_;
  std::unique_ptr<archive, ArchiveWriteFree> a_;
};

Result<std::vector<std::string>> sorted_entries(const std::filesystem::path& dir) {
  std::vector<std::string> entries;
  std::error_code ec;
  // Links to folders are listed, not entered (the default of the iterator).
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    entries.push_back(it->path().lexically_relative(dir).generic_string());
  }
  if (ec) return fail(Errc::io_error, "cannot list the module folder " + dir.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace

Status write_module_archive(const std::filesystem::path& module_dir, const std::filesystem::path& out) {
  auto entries = sorted_entries(module_dir);
  if (!entries.ok()) return std::move(entries).error();
  ZipWriter writer(module_dir, out);
  if (auto st = writer.open(); !st.ok()) return st;
  for (const auto& rel : *entries) {
    if (auto st = writer.add(rel); !st.ok()) return st;
  }
  return writer.close();
}

}  // namespace haven
