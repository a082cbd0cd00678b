#include "module_store/module_archive_walk.hpp"
#include "module_store/archive_error_text.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "module_store/archive_entry_path.hpp"

namespace haven {
namespace {

constexpr const char* kUserConfig = "conf/userconfig.xml";
// Links followed while checking where a link lands, as the kernel's ELOOP bound.
constexpr int kMaxLinkHops = 40;

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

Error archive_error(const std::filesystem::path& file, std::string message) {
  return fail(Errc::invalid_argument, "module archive " + file.string() + ": " + std::move(message));
}

Error entry_error(const std::filesystem::path& file, std::string_view entry, std::string message) {
  return archive_error(file, "entry " + in_quotes(entry) + ": " + std::move(message));
}

Result<ArchiveReader> open_archive(const std::filesystem::path& file) {
  ArchiveReader reader(archive_read_new());
  if (!reader) return fail(Errc::internal, "libarchive could not allocate a reader for " + file.string());
  archive* a = reader.get();
  archive_read_support_format_zip(a);
  archive_read_support_format_tar(a);
  // Named filters only: "all" would also run external programs (lrzip, lzop, ...).
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_zstd(a);
  if (archive_read_open_filename(a, file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      return fail(Errc::not_found, "module archive " + file.string() + " does not exist");
    }
    return fail(Errc::invalid_argument, "module archive " + file.string() +
                                            " cannot be read as a zip or tar archive: " +
                                            archive_error_text(a));
  }
  return reader;
}

// Reads the next header; nullopt at the end of the archive.
Result<std::optional<archive_entry*>> next_entry(archive* a, const std::filesystem::path& file, std::size_t index) {
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(a, &entry);
  if (rc == ARCHIVE_EOF) return std::optional<archive_entry*>{};
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    return archive_error(file, "cannot read the header of entry number " + std::to_string(index + 1) + ": " +
                                   archive_error_text(a));
  }
  return std::optional<archive_entry*>{entry};
}

const char* type_name(mode_t type) {
  switch (type) {
    case AE_IFCHR: return "a character device";
    case AE_IFBLK: return "a block device";
    case AE_IFIFO: return "a fifo";
    case AE_IFSOCK: return "a socket";
    default: return "of an unknown file type";
  }
}

enum class Kind { directory, file, symlink };

class ModuleArchiveWalk {
 public:
  ModuleArchiveWalk(const std::filesystem::path& file, const ArchiveLimits& limits, ModuleArchiveVisitor& visitor)
      : file_(file), limits_(limits), visitor_(visitor) {}

  Status run() {
    if (auto names = scan_names(); !names.ok()) return names;
    auto reader = open_archive(file_);
    if (!reader.ok()) return std::move(reader).error();
    for (std::size_t index = 0;; ++index) {
      auto entry = next_entry(reader->get(), file_, index);
      if (!entry.ok()) return std::move(entry).error();
      if (!entry.value()) break;
      if (auto st = visit(reader->get(), **entry); !st.ok()) return st;
    }
    if (auto st = check_links_land_inside(); !st.ok()) return st;
    auto config = kinds_.find(kUserConfig);
    if (config == kinds_.end() || config->second != Kind::file) {
      return archive_error(file_, std::string(kUserConfig) + " is not a regular file; it must hold the module's configuration");
    }
    return visitor_.finish();
  }

 private:
  // First pass: bounds the entry count, refuses bad names and finds a wrapping folder.
  Status scan_names() {
    auto reader = open_archive(file_);
    if (!reader.ok()) return std::move(reader).error();
    std::vector<EntryPath> names;
    for (std::size_t index = 0;; ++index) {
      auto entry = next_entry(reader->get(), file_, index);
      if (!entry.ok()) return std::move(entry).error();
      if (!entry.value()) break;
      if (index + 1 > limits_.max_entries) {
        return archive_error(file_, "more than " + std::to_string(limits_.max_entries) +
                                        " entries; a module holds a configuration and a few scripts");
      }
      const char* raw = archive_entry_pathname(**entry);
      if (raw == nullptr) {
        return archive_error(file_, "entry number " + std::to_string(index + 1) +
                                        " has a name that cannot be decoded; use plain UTF-8 file names");
      }
      auto path = split_entry_name(raw);
      if (!path.ok()) return entry_error(file_, raw, path.error().message);
      if (archive_entry_size_is_set(**entry) && static_cast<std::uint64_t>(archive_entry_size(**entry)) > limits_.max_entry_bytes) {
        return entry_error(file_, raw, "claims " + std::to_string(archive_entry_size(**entry)) +
                                           " bytes, more than the limit of " + std::to_string(limits_.max_entry_bytes) +
                                           " bytes per file");
      }
      names.push_back(std::move(*path));
    }
    return find_wrapper(names);
  }

  Status find_wrapper(const std::vector<EntryPath>& names) {
    const EntryPath config{"conf", "userconfig.xml"};
    for (const auto& name : names) {
      if (name == config) return ok_status();
    }
    std::optional<std::string> top;
    bool single_top = true;
    for (const auto& name : names) {
      if (name.empty()) continue;
      if (!top) top = name.front();
      single_top = single_top && name.front() == *top;
    }
    if (top && single_top) {
      for (const auto& name : names) {
        if (name.size() == 3 && name[0] == *top && name[1] == config[0] && name[2] == config[1]) {
          wrapper_ = *top;
          return ok_status();
        }
      }
    }
    return archive_error(file_, std::string("has no ") + kUserConfig +
                                    "; a module archive holds conf/userconfig.xml and bin/ at its top "
                                    "(or inside one single top-level folder)");
  }

  // Removes the wrapping folder, if any, from a name already split and checked.
  Result<EntryPath> inside_module(std::string_view raw) {
    auto path = split_entry_name(raw);
    if (!path.ok()) return entry_error(file_, raw, path.error().message);
    if (!wrapper_) return path;
    if (path->empty() || path->front() != *wrapper_) {
      return entry_error(file_, raw, "is not inside the archive's top-level folder " + in_quotes(*wrapper_));
    }
    path->erase(path->begin());
    return path;
  }

  std::optional<Kind> kind_of(const std::string& path) const {
    auto it = kinds_.find(path);
    if (it == kinds_.end()) return std::nullopt;
    return it->second;
  }

  // Every parent of `path` must be a folder (or not seen yet, and then becomes one):
  // never a file, and never a link, which extraction would write through.
  Status claim_parents(std::string_view raw, const EntryPath& path) {
    EntryPath parent;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      parent.push_back(path[i]);
      auto name = join_entry_path(parent);
      auto kind = kind_of(name);
      if (!kind) {
        kinds_[name] = Kind::directory;
      } else if (*kind == Kind::symlink) {
        return entry_error(file_, raw, "lies under " + in_quotes(name) +
                                           ", a symbolic link earlier in the archive; entries may not go through links");
      } else if (*kind == Kind::file) {
        return entry_error(file_, raw, "lies under " + in_quotes(name) + ", a file earlier in the archive");
      }
    }
    return ok_status();
  }

  Status visit(archive* a, archive_entry* entry) {
    const std::string raw = archive_entry_pathname(entry);
    auto path = inside_module(raw);
    if (!path.ok()) return std::move(path).error();
    const mode_t type = archive_entry_filetype(entry);
    if (path->empty()) {
      if (type == AE_IFDIR) return ok_status();
      return entry_error(file_, raw, "names the module folder itself but is not a folder");
    }
    if (auto st = claim_parents(raw, *path); !st.ok()) return st;
    const std::string name = join_entry_path(*path);
    const auto existing = kind_of(name);
    const bool is_folder_again = existing == Kind::directory && type == AE_IFDIR && archive_entry_hardlink(entry) == nullptr;
    if (existing && !is_folder_again) {
      return entry_error(file_, raw, "appears twice in the archive (or clashes with a folder of that name)");
    }
    const unsigned mode = static_cast<unsigned>(archive_entry_perm(entry)) & 0777u;

    if (const char* link = archive_entry_hardlink(entry); link != nullptr) return visit_hardlink(raw, name, link);
    switch (type) {
      case AE_IFDIR:
        kinds_[name] = Kind::directory;
        return visitor_.directory(name, mode);
      case AE_IFREG:
        kinds_[name] = Kind::file;
        return visit_file(a, raw, name, mode);
      case AE_IFLNK:
        return visit_symlink(raw, *path, name, archive_entry_symlink(entry));
      default:
        return entry_error(file_, raw, std::string("is ") + type_name(type) +
                                           "; a module holds only folders, files and symbolic links");
    }
  }

  Status visit_file(archive* a, std::string_view raw, const std::string& name, unsigned mode) {
    if (auto st = visitor_.begin_file(name, mode); !st.ok()) return st;
    std::uint64_t entry_bytes = 0;
    std::array<char, 64 * 1024> buffer{};
    for (;;) {
      la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) return entry_error(file_, raw, std::string("cannot be decompressed: ") + archive_error_text(a));
      entry_bytes += static_cast<std::uint64_t>(n);
      total_bytes_ += static_cast<std::uint64_t>(n);
      if (entry_bytes > limits_.max_entry_bytes) {
        return entry_error(file_, raw, "decompresses to more than the limit of " +
                                           std::to_string(limits_.max_entry_bytes) + " bytes per file");
      }
      if (total_bytes_ > limits_.max_total_bytes) {
        return entry_error(file_, raw, "brings the decompressed size of the archive over the limit of " +
                                           std::to_string(limits_.max_total_bytes) + " bytes");
      }
      if (auto st = visitor_.file_data(std::string_view(buffer.data(), static_cast<std::size_t>(n))); !st.ok()) return st;
    }
    return visitor_.end_file();
  }

  Status visit_symlink(std::string_view raw, const EntryPath& path, const std::string& name, const char* target) {
    if (target == nullptr) return entry_error(file_, raw, "is a symbolic link without a readable target");
    auto lands = resolve_link_target(path, target);
    if (!lands.ok()) return entry_error(file_, raw, lands.error().message);
    kinds_[name] = Kind::symlink;
    links_[name] = target;
    return visitor_.symlink(name, target);
  }

  Status visit_hardlink(std::string_view raw, const std::string& name, std::string_view link) {
    auto target = inside_module(link);
    if (!target.ok()) {
      return entry_error(file_, raw, "is a hard link to " + in_quotes(link) +
                                         ", outside the module; hard links must point to a file of the module");
    }
    const std::string target_name = join_entry_path(*target);
    if (kind_of(target_name) != Kind::file) {
      return entry_error(file_, raw, "is a hard link to " + in_quotes(link) +
                                         ", which is not a regular file earlier in the archive");
    }
    kinds_[name] = Kind::file;
    return visitor_.hardlink(name, target_name);
  }

  // Follows every link as the kernel would, through the other links of the archive, so
  // that "r -> ." plus "x -> r/.." (each harmless as text) is refused.
  Status check_links_land_inside() const {
    for (const auto& [name, target] : links_) {
      auto start = split_entry_name(name);
      EntryPath where(start->begin(), start->end() - 1);
      std::deque<std::string> todo;
      auto parts = split_entry_name_keeping_dots(target);
      todo.insert(todo.end(), parts.begin(), parts.end());
      int hops = 0;
      while (!todo.empty()) {
        std::string part = std::move(todo.front());
        todo.pop_front();
        if (part.empty() || part == ".") continue;
        if (part == "..") {
          if (where.empty()) {
            return entry_error(file_, name, "is a symbolic link to " + in_quotes(target) +
                                                " which, following the archive's other links, leads outside the module");
          }
          where.pop_back();
          continue;
        }
        where.push_back(part);
        auto link = links_.find(join_entry_path(where));
        if (link == links_.end()) continue;
        if (++hops > kMaxLinkHops) {
          return entry_error(file_, name, "is a symbolic link in a loop of links");
        }
        where.pop_back();
        auto more = split_entry_name_keeping_dots(link->second);
        todo.insert(todo.begin(), more.begin(), more.end());
      }
    }
    return ok_status();
  }

  static std::vector<std::string> split_entry_name_keeping_dots(std::string_view text) {
    std::vector<std::string> parts(1);
    for (char c : text) {
      if (c == '/') {
        parts.emplace_back();
      } else {
        parts.back().push_back(c);
      }
    }
    return parts;
  }

  const std::filesystem::path& file_;
  const ArchiveLimits& limits_;
  ModuleArchiveVisitor& visitor_;
  std::optional<std::string> wrapper_;
  std::map<std::string, Kind> kinds_;
  std::map<std::string, std::string> links_;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace

Status walk_module_archive(const std::filesystem::path& archive, const ArchiveLimits& limits,
                           ModuleArchiveVisitor& visitor) {
  return ModuleArchiveWalk(archive, limits, visitor).run();
}

}  // namespace haven
