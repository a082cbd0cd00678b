#include "cluster_store.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "common/atomic_file.hpp"

namespace haven::cluster {

std::filesystem::path state_dir() {
  if (const char* dir = std::getenv("HAVEN_NETNS_STATE_DIR"); dir && *dir) return dir;
  return "/run/haven-netns";
}

namespace {

std::filesystem::path file_of(const std::string& name) { return state_dir() / (name + ".json"); }

Result<StoredCluster> load_file(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return std::move(text).error();
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(Errc::parse_error, fmt::format("{}: not a JSON object; delete it if no cluster uses it", file.string()));
  auto layout = layout_from_json(doc.value("layout", nlohmann::json::object()));
  if (!layout) return fail(Errc::parse_error, fmt::format("{}: {}", file.string(), layout.error().message));
  return StoredCluster{std::move(layout).value(), doc.value("complete", false), file};
}

}  // namespace

Status save_cluster(const Layout& layout, bool complete) {
  const nlohmann::json doc{{"layout", to_json(layout)}, {"complete", complete}};
  return write_file_atomically(file_of(layout.name), doc.dump(2) + "\n");
}

Result<StoredCluster> load_cluster(const std::string& name) {
  const auto file = file_of(name);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    return fail(Errc::not_found, fmt::format("no cluster called '{}' is recorded in {} (haven-netns list shows them)",
                                             name, state_dir().string()));
  return load_file(file);
}

std::vector<StoredCluster> load_all_clusters() {
  std::vector<StoredCluster> clusters;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(state_dir(), ec)) {
    if (entry.path().extension() != ".json") continue;
    auto stored = load_file(entry.path());
    if (stored) clusters.push_back(std::move(stored).value());
  }
  return clusters;
}

Status forget_cluster(const std::string& name) {
  std::error_code ec;
  std::filesystem::remove(file_of(name), ec);
  if (ec)
    return fail(Errc::io_error, fmt::format("cannot delete {}: {}", file_of(name).string(), ec.message()));
  return ok_status();
}

}  // namespace haven::cluster
