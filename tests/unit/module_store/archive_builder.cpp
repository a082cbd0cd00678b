#include "archive_builder.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace haven::test {

ArchiveBuilder& ArchiveBuilder::file(std::string name, std::string content, unsigned mode) {
  entries_.push_back({std::move(name), AE_IFREG, mode, std::move(content)});
  return *this;
}
ArchiveBuilder& ArchiveBuilder::directory(std::string name, unsigned mode) {
  entries_.push_back({std::move(name), AE_IFDIR, mode, {}});
  return *this;
}
ArchiveBuilder& ArchiveBuilder::symlink(std::string name, std::string target) {
  entries_.push_back({std::move(name), AE_IFLNK, 0777, std::move(target)});
  return *this;
}
ArchiveBuilder& ArchiveBuilder::hardlink(std::string name, std::string target) {
  entries_.push_back({std::move(name), AE_IFREG, 0644, std::move(target), true});
  return *this;
}
ArchiveBuilder& ArchiveBuilder::special(std::string name, unsigned type) {
  entries_.push_back({std::move(name), type, 0644, {}});
  return *this;
}
ArchiveBuilder& ArchiveBuilder::minimal_module(const std::string& prefix) {
  file(prefix + "conf/userconfig.xml", "<safe><service mode=\"mirror\"/></safe>\n");
  file(prefix + "bin/start_prim.sh", "#!/bin/sh\necho started\n", 0755);
  return *this;
}

void ArchiveBuilder::write(const std::filesystem::path& out, ArchiveFormat format) const {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  auto check = [&](int rc, const std::string& what) {
    if (rc != ARCHIVE_OK) throw std::runtime_error(what + ": " + archive_error_string(a.get()));
  };
  switch (format) {
    case ArchiveFormat::zip: check(archive_write_set_format_zip(a.get()), "zip"); break;
    case ArchiveFormat::tar: check(archive_write_set_format_pax_restricted(a.get()), "tar"); break;
    case ArchiveFormat::tar_gz:
      check(archive_write_set_format_pax_restricted(a.get()), "tar");
      check(archive_write_add_filter_gzip(a.get()), "gzip");
      break;
  }
  check(archive_write_open_filename(a.get(), out.c_str()), "open " + out.string());
  for (const auto& e : entries_) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), e.name.c_str());
    archive_entry_set_filetype(entry.get(), e.type);
    archive_entry_set_perm(entry.get(), e.mode);
    archive_entry_set_mtime(entry.get(), 1700000000, 0);
    if (e.hard) {
      archive_entry_set_hardlink(entry.get(), e.content.c_str());
      archive_entry_set_size(entry.get(), 0);
    } else if (e.type == AE_IFLNK) {
      archive_entry_set_symlink(entry.get(), e.content.c_str());
      archive_entry_set_size(entry.get(), 0);
    } else if (e.type == AE_IFREG) {
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.content.size()));
    } else {
      archive_entry_set_size(entry.get(), 0);
    }
    check(archive_write_header(a.get(), entry.get()), "header of " + e.name);
    if (e.type == AE_IFREG && !e.hard && !e.content.empty()) {
      if (archive_write_data(a.get(), e.content.data(), e.content.size()) != static_cast<la_ssize_t>(e.content.size())) {
        throw std::runtime_error("data of " + e.name + ": " + archive_error_string(a.get()));
      }
    }
  }
  check(archive_write_close(a.get()), "close");
}

TempFolder::TempFolder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "haven-store-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempFolder::~TempFolder() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace haven::test
