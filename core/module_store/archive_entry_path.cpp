#include "module_store/archive_entry_path.hpp"

namespace haven {
namespace {

std::vector<std::string> split_on(std::string_view text, bool backslash_separates) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == '/' || (backslash_separates && c == '\\')) {
      parts.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  parts.push_back(std::move(current));
  return parts;
}

bool has_drive_letter(std::string_view name) {
  return name.size() >= 2 && name[1] == ':' &&
         ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
}

}  // namespace

Result<EntryPath> split_entry_name(std::string_view name) {
  if (name.empty()) return fail(Errc::invalid_argument, "the entry has an empty name");
  if (name.size() > kMaxEntryNameBytes)
    return fail(Errc::invalid_argument, "the entry name is " + std::to_string(name.size()) + " bytes long; expected at most " +
                                            std::to_string(kMaxEntryNameBytes) + " (PATH_MAX)");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      return fail(Errc::invalid_argument, "the entry name holds a control character (byte " + std::to_string(c) +
                                              "); entries must have printable names, which every log and listing shows as they are");
  if (name.front() == '/' || name.front() == '\\') {
    return fail(Errc::invalid_argument, "the entry has an absolute path; entries must be relative to the module folder");
  }
  if (has_drive_letter(name)) {
    return fail(Errc::invalid_argument, "the entry starts with a drive letter; entries must be relative to the module folder");
  }
  EntryPath path;
  for (auto& part : split_on(name, true)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return fail(Errc::invalid_argument,
                  "the entry has a '..' component; entries must stay inside the module folder");
    }
    if (path.size() == kMaxEntryComponents)
      return fail(Errc::invalid_argument, "the entry is nested more than " + std::to_string(kMaxEntryComponents) +
                                              " folders deep; expected a module's conf/, bin/ and a few folders");
    path.push_back(std::move(part));
  }
  return path;
}

std::string join_entry_path(const EntryPath& path) {
  std::string text;
  for (const auto& part : path) {
    if (!text.empty()) text.push_back('/');
    text += part;
  }
  return text;
}

Result<EntryPath> resolve_link_target(const EntryPath& link, std::string_view target) {
  if (target.empty()) return fail(Errc::invalid_argument, "the symbolic link has an empty target");
  if (target.front() == '/') {
    return fail(Errc::invalid_argument, "the symbolic link points to the absolute path '" + std::string(target) +
                                            "'; links must point inside the module, relatively");
  }
  EntryPath where(link.begin(), link.end() - (link.empty() ? 0 : 1));
  for (auto& part : split_on(target, false)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (where.empty()) {
        return fail(Errc::invalid_argument, "the symbolic link points to '" + std::string(target) +
                                                "', outside the module folder; links must point inside the module");
      }
      where.pop_back();
      continue;
    }
    where.push_back(std::move(part));
  }
  return where;
}

}  // namespace haven
