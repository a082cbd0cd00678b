#include "module_store/module_archive_walk.hpp"
#include "module_store/archive_error_text.hpp"
#include "common/log_text.hpp"

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
  // An over-long name is shown by its start: the message must stay readable in a log.
  // Control characters are shown escaped: the name comes from whoever made the archive.
  return archive_error(file, "entry " + in_quotes(log_text(entry, 120)) + ": " + std::move(message));
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

// The names seen so far, one node per component under its parent's node (the module folder
// is node 0): memory linear in the names' bytes, where a map of every joined prefix of a
// deep name grew with the square of its depth.
class NameTree {
 public:
  NameTree() : kinds_{Kind::directory} {}

  std::optional<std::size_t> child(std::size_t parent, const std::string& name) const {
    auto it = children_.find(std::make_pair(parent, name));
    if (it == children_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::size_t> find(const EntryPath& path) const {
    std::size_t at = 0;
    for (const auto& part : path) {
      auto next = child(at, part);
      if (!next) return std::nullopt;
      at = *next;
    }
    return at;
  }
  std::optional<Kind> kind_of(const EntryPath& path) const {
    auto at = find(path);
    if (!at) return std::nullopt;
    return kinds_[*at];
  }
  Kind kind(std::size_t node) const { return kinds_[node]; }
  std::size_t add(std::size_t parent, const std::string& name, Kind kind) {
    auto [it, inserted] = children_.emplace(std::make_pair(parent, name), kinds_.size());
    if (inserted) kinds_.push_back(kind);
    else kinds_[it->second] = kind;
    return it->second;
  }
  // Sets the kind of `path`, whose parents are known (claimed) already.
  void set(const EntryPath& path, Kind kind) {
    EntryPath parent(path.begin(), path.end() - 1);
    add(*find(parent), path.back(), kind);
  }

 private:
  std::vector<Kind> kinds_;
  std::map<std::pair<std::size_t, std::string>, std::size_t> children_;
};

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
    if (names_.kind_of(EntryPath{"conf", "userconfig.xml"}) != Kind::file) {
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

  // Every parent of `path` must be a folder (or not seen yet, and then becomes one):
  // never a file, and never a link, which extraction would write through.
  Status claim_parents(std::string_view raw, const EntryPath& path) {
    std::size_t at = 0;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      auto next = names_.child(at, path[i]);
      if (!next) {
        at = names_.add(at, path[i], Kind::directory);
        continue;
      }
      const Kind kind = names_.kind(*next);
      if (kind != Kind::directory) {
        const auto name = join_entry_path(EntryPath(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i) + 1));
        if (kind == Kind::symlink)
          return entry_error(file_, raw, "lies under " + in_quotes(name) +
                                             ", a symbolic link earlier in the archive; entries may not go through links");
        return entry_error(file_, raw, "lies under " + in_quotes(name) + ", a file earlier in the archive");
      }
      at = *next;
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
    const auto existing = names_.kind_of(*path);
    const bool is_folder_again = existing == Kind::directory && type == AE_IFDIR && archive_entry_hardlink(entry) == nullptr;
    if (existing && !is_folder_again) {
      return entry_error(file_, raw, "appears twice in the archive (or clashes with a folder of that name)");
    }
    // Hooks run as root: a group- or world-writable hook or configuration (many zip tools
    // store 0777/0666) would let any local user replace them.
    const unsigned mode = static_cast<unsigned>(archive_entry_perm(entry)) & kModuleModeMask;

    if (const char* link = archive_entry_hardlink(entry); link != nullptr) return visit_hardlink(raw, *path, name, link);
    switch (type) {
      case AE_IFDIR:
        names_.set(*path, Kind::directory);
        return visitor_.directory(name, mode);
      case AE_IFREG:
        names_.set(*path, Kind::file);
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
    if (std::string_view(target).size() > kMaxEntryNameBytes)
      return entry_error(file_, raw, "is a symbolic link whose target is longer than " +
                                         std::to_string(kMaxEntryNameBytes) + " bytes (PATH_MAX)");
    auto lands = resolve_link_target(path, target);
    if (!lands.ok()) return entry_error(file_, raw, lands.error().message);
    names_.set(path, Kind::symlink);
    links_[name] = target;
    link_targets_[*names_.find(path)] = target;
    return visitor_.symlink(name, target);
  }

  Status visit_hardlink(std::string_view raw, const EntryPath& path, const std::string& name, std::string_view link) {
    auto target = inside_module(link);
    if (!target.ok()) {
      return entry_error(file_, raw, "is a hard link to " + in_quotes(link) +
                                         ", outside the module; hard links must point to a file of the module");
    }
    const std::string target_name = join_entry_path(*target);
    if (names_.kind_of(*target) != Kind::file) {
      return entry_error(file_, raw, "is a hard link to " + in_quotes(link) +
                                         ", which is not a regular file earlier in the archive");
    }
    names_.set(path, Kind::file);
    return visitor_.hardlink(name, target_name);
  }

  // Follows every link as the kernel would, through the other links of the archive, so
  // that "r -> ." plus "x -> r/.." (each harmless as text) is refused. `where` holds the
  // node of each component (none once outside the names seen), so each step is one lookup.
  Status check_links_land_inside() const {
    for (const auto& [name, target] : links_) {
      auto start = split_entry_name(name);
      std::vector<std::optional<std::size_t>> where;
      std::size_t at = 0;
      for (std::size_t i = 0; i + 1 < start->size(); ++i) {
        at = *names_.child(at, (*start)[i]);
        where.push_back(at);
      }
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
        const std::optional<std::size_t> parent = where.empty() ? std::optional<std::size_t>(0) : where.back();
        const auto node = parent ? names_.child(*parent, part) : std::nullopt;
        if (!node || names_.kind(*node) != Kind::symlink) {
          where.push_back(node);
          continue;
        }
        if (++hops > kMaxLinkHops) {
          return entry_error(file_, name, "is a symbolic link in a loop of links");
        }
        auto more = split_entry_name_keeping_dots(link_targets_.at(*node));
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
  NameTree names_;
  std::map<std::string, std::string> links_;
  std::map<std::size_t, std::string> link_targets_;  // by node of names_
  std::uint64_t total_bytes_ = 0;
};

}  // namespace

Status walk_module_archive(const std::filesystem::path& archive, const ArchiveLimits& limits,
                           ModuleArchiveVisitor& visitor) {
  return ModuleArchiveWalk(archive, limits, visitor).run();
}

}  // namespace haven
