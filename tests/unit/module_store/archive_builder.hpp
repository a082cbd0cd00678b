// Crafts module archives in tests with libarchive's writer, so that malicious entries
// (zip-slip names, outside links, devices) can be forged at will.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace haven::test {

enum class ArchiveFormat { zip, tar, tar_gz };

class ArchiveBuilder {
 public:
  ArchiveBuilder& file(std::string name, std::string content, unsigned mode = 0644);
  ArchiveBuilder& directory(std::string name, unsigned mode = 0755);
  ArchiveBuilder& symlink(std::string name, std::string target);
  ArchiveBuilder& hardlink(std::string name, std::string target);
  /// A character device (AE_IFCHR), fifo (AE_IFIFO), ... entry.
  ArchiveBuilder& special(std::string name, unsigned type);
  /// conf/userconfig.xml and an executable bin/start_prim.sh.
  ArchiveBuilder& minimal_module(const std::string& prefix = "");

  /// Writes the archive; throws std::runtime_error when libarchive refuses.
  void write(const std::filesystem::path& out, ArchiveFormat format = ArchiveFormat::zip) const;

 private:
  struct Entry {
    std::string name;
    unsigned type;
    unsigned mode;
    std::string content;  // data, or a link target
    bool hard = false;
  };
  std::vector<Entry> entries_;
};

/// A fresh folder under the system temporary folder, removed with its content at the end.
class TempFolder {
 public:
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_whole_file(const std::filesystem::path& file);

}  // namespace haven::test
