// A zip archive written so that the named file appears whole or not at all: members go to a
// temporary file beside it, which is synced and renamed over the name at commit(). A writer
// destroyed before commit() removes its temporary file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "haven/result.hpp"

struct archive;

namespace haven::cli {

class ZipWriter {
 public:
  /// Starts `file` (its temporary sibling, mode 0600: a snapshot holds logs). io_error naming
  /// the file when its folder does not exist or cannot be written.
  static Result<ZipWriter> create(const std::filesystem::path& file);
  ZipWriter(ZipWriter&& other) noexcept;
  ZipWriter& operator=(ZipWriter&&) = delete;
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;
  ~ZipWriter();

  /// Adds a member holding `content`.
  Status add_text(const std::string& name, std::string_view content);
  /// Adds a member holding `source` as it is now (read whole; a log growing meanwhile is
  /// taken as it was). not_found when it vanished (a log rotated away), io_error otherwise.
  Status add_file(const std::string& name, const std::filesystem::path& source);
  /// Closes the archive, syncs it and renames it to the final name. Its size in bytes.
  Result<std::uint64_t> commit();

  /// How many members were added.
  std::size_t entries() const { return entries_; }

 private:
  ZipWriter(std::filesystem::path file, std::filesystem::path temp, ::archive* a)
      : file_(std::move(file)), temp_(std::move(temp)), archive_(a) {}
  Status add(const std::string& name, std::string_view content, long mtime);

  std::filesystem::path file_;
  std::filesystem::path temp_;
  ::archive* archive_ = nullptr;
  std::size_t entries_ = 0;
  bool committed_ = false;
};

}  // namespace haven::cli
