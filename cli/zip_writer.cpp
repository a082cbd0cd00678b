#include "zip_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <utility>

#include "common/atomic_file.hpp"
#include "module_store/archive_error_text.hpp"

namespace haven::cli {

Result<ZipWriter> ZipWriter::create(const std::filesystem::path& file) {
  const auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return fail(Errc::not_found, "cannot write " + file.string() + ": the folder " + dir.string() + " does not exist");
  auto temp = file;
  temp += ".tmp-" + std::to_string(::getpid());
  // Created first with mode 0600, so that the logs are never readable by others on the way.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(Errc::io_error, "cannot write " + temp.string() + ": " + std::strerror(errno));
  ::close(fd);
  ::archive* a = archive_write_new();
  if (a == nullptr) return fail(Errc::internal, "libarchive could not start an archive for " + file.string());
  if (archive_write_set_format_zip(a) != ARCHIVE_OK || archive_write_open_filename(a, temp.c_str()) != ARCHIVE_OK) {
    auto e = fail(Errc::io_error, "cannot write " + temp.string() + ": " + archive_error_text(a));
    archive_write_free(a);
    ::unlink(temp.c_str());
    return e;
  }
  return ZipWriter(file, temp, a);
}

ZipWriter::ZipWriter(ZipWriter&& other) noexcept
    : file_(std::move(other.file_)),
      temp_(std::move(other.temp_)),
      archive_(std::exchange(other.archive_, nullptr)),
      entries_(other.entries_),
      committed_(std::exchange(other.committed_, true)) {}

ZipWriter::~ZipWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
  if (!committed_) ::unlink(temp_.c_str());
}

Status ZipWriter::add(const std::string& name, std::string_view content, long mtime) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0600);
  archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
  archive_entry_set_mtime(entry, mtime, 0);
  Status st = ok_status();
  if (archive_write_header(archive_, entry) != ARCHIVE_OK) {
    st = fail(Errc::io_error, "cannot add " + name + " to " + temp_.string() + ": " + archive_error_text(archive_));
  } else if (!content.empty() &&
             archive_write_data(archive_, content.data(), content.size()) != static_cast<la_ssize_t>(content.size())) {
    st = fail(Errc::io_error, "cannot write " + name + " into " + temp_.string() + ": " + archive_error_text(archive_));
  }
  archive_entry_free(entry);
  if (st.ok()) ++entries_;
  return st;
}

Status ZipWriter::add_text(const std::string& name, std::string_view content) {
  return add(name, content, static_cast<long>(std::time(nullptr)));
}

Status ZipWriter::add_file(const std::string& name, const std::filesystem::path& source) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) {
    if (errno == ENOENT) return fail(Errc::not_found, source.string() + " vanished before it could be read");
    return fail(Errc::io_error, "cannot read " + source.string() + ": " + std::strerror(errno));
  }
  std::ifstream in(source, std::ios::binary);
  if (!in) return fail(Errc::io_error, "cannot read " + source.string() + ": " + std::strerror(errno));
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return add(name, content, static_cast<long>(st.st_mtim.tv_sec));
}

Result<std::uint64_t> ZipWriter::commit() {
  if (archive_write_close(archive_) != ARCHIVE_OK)
    return fail(Errc::io_error, "cannot finish " + temp_.string() + ": " + archive_error_text(archive_));
  archive_write_free(std::exchange(archive_, nullptr));
  const int fd = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return fail(Errc::io_error, "cannot sync " + temp_.string() + ": " + std::strerror(err));
  }
  ::close(fd);
  if (::rename(temp_.c_str(), file_.c_str()) != 0)
    return fail(Errc::io_error, "cannot rename " + temp_.string() + " to " + file_.string() + ": " + std::strerror(errno));
  committed_ = true;
  const auto dir = file_.parent_path().empty() ? std::filesystem::path(".") : file_.parent_path();
  (void)sync_directory(dir);  // the snapshot is whole either way; only its survival of a crash depends on it
  std::error_code ec;
  const auto size = std::filesystem::file_size(file_, ec);
  return static_cast<std::uint64_t>(ec ? 0 : size);
}

}  // namespace haven::cli
