#include "cluster_bundle.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace haven::cli {
namespace {

constexpr la_int64_t kMaxMemberBytes = 1 << 20;
constexpr int kMaxEntries = 64;

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool at_top_or_one_folder(const std::string& path) {
  const auto first = path.find('/');
  return first == std::string::npos || path.find('/', first + 1) == std::string::npos;
}

}  // namespace

Result<ClusterBundle> read_cluster_bundle(const std::filesystem::path& zip) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  archive_read_support_format_zip(a.get());
  archive_read_support_filter_all(a.get());
  const auto where = zip.string();
  if (archive_read_open_filename(a.get(), where.c_str(), 64 * 1024) != ARCHIVE_OK)
    return fail(Errc::invalid_argument, where + ": not a readable zip: " + archive_error_string(a.get()));
  ClusterBundle bundle;
  bool have_xml = false;
  archive_entry* entry = nullptr;
  for (int count = 0;; ++count) {
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return fail(Errc::invalid_argument, where + ": cannot read the zip: " + archive_error_string(a.get()));
    if (count >= kMaxEntries) return fail(Errc::invalid_argument, where + ": more than 64 entries; expected cluster.xml and cluster.key");
    const std::string path = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    const auto name = base_name(path);
    if (archive_entry_filetype(entry) != AE_IFREG || !at_top_or_one_folder(path) ||
        (name != "cluster.xml" && name != "cluster.key"))
      continue;
    if (archive_entry_size(entry) > kMaxMemberBytes)
      return fail(Errc::invalid_argument, where + ": " + path + " is over 1 MiB; expected a cluster configuration");
    std::string text(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
    if (!text.empty() && archive_read_data(a.get(), text.data(), text.size()) != static_cast<la_ssize_t>(text.size()))
      return fail(Errc::invalid_argument, where + ": cannot read " + path + ": " + archive_error_string(a.get()));
    if (name == "cluster.xml") {
      if (have_xml) return fail(Errc::invalid_argument, where + ": cluster.xml is there twice; expected one");
      bundle.cluster_xml = std::move(text);
      have_xml = true;
    } else {
      if (bundle.cluster_key) return fail(Errc::invalid_argument, where + ": cluster.key is there twice; expected one");
      bundle.cluster_key = std::move(text);
    }
  }
  if (!have_xml) return fail(Errc::not_found, where + ": has no cluster.xml (a zip holds cluster.xml and, optionally, cluster.key)");
  return bundle;
}

}  // namespace haven::cli
