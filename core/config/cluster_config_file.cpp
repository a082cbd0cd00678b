#include "config/cluster_config_file.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "common/atomic_file.hpp"
#include "common/process_environment.hpp"

namespace haven::config {

std::string cluster_config_signature(std::string_view xml_text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(xml_text.data()), xml_text.size(), digest.data());
  std::string hex;
  char byte[3];
  for (std::size_t i = 0; i < 8; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

Result<ClusterConfig> check_cluster_config_for(std::string_view xml_text, const std::string& label,
                                               const std::string& node) {
  auto loaded = parse_cluster_config(xml_text, label, process_environment());
  if (loaded.has_errors()) {
    std::string msg = label + " is not a valid cluster configuration:";
    for (const auto& d : loaded.diagnostics)
      if (d.severity == Severity::error) msg += "\n  " + d.to_string();
    return fail(Errc::invalid_argument, msg);
  }
  const auto names = loaded.config->node_names();
  if (!node.empty() && std::find(names.begin(), names.end(), node) == names.end()) {
    std::string listed;
    for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
    return fail(Errc::invalid_argument, label + " does not name this node (" + node + "); its nodes are: " +
                                            (listed.empty() ? "none" : listed));
  }
  return std::move(*loaded.config);
}

Status install_cluster_config(const HavenPaths& paths, std::string_view xml_text) {
  const auto file = paths.cluster_config();
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return fail(Errc::io_error, "cannot create " + file.parent_path().string() + ": " + ec.message());
  if (std::filesystem::exists(file, ec)) {
    auto old = read_file(file);
    if (!old.ok()) return std::move(old).error();
    if (*old == xml_text) return ok_status();
    if (auto st = write_file_atomically(file.string() + ".previous", *old); !st.ok()) return st;
  }
  return write_file_atomically(file, xml_text);
}

Status remove_cluster_config(const HavenPaths& paths, bool with_key) {
  const auto file = paths.cluster_config();
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::filesystem::rename(file, file.string() + ".previous", ec);
    if (ec) return fail(Errc::io_error, "cannot move " + file.string() + " aside: " + ec.message());
  }
  if (with_key) {
    std::filesystem::remove(paths.cluster_key(), ec);
    if (ec) return fail(Errc::io_error, "cannot remove " + paths.cluster_key().string() + ": " + ec.message());
  }
  return sync_directory(file.parent_path());
}

}  // namespace haven::config
