// cluster.xml: the nodes and lans, written by an administrator.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "config/cluster_config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const std::map<std::string, std::string> env{{"NODE1", "192.0.2.1"}, {"EMPTY", ""}};

  auto loaded = haven::config::parse_cluster_config(text, "fuzz/cluster.xml", env);

  HAVEN_FUZZ_CHECK(loaded.config.has_value() == !loaded.has_errors(),
                   "the model must be present exactly when there is no error");
  for (const auto& d : loaded.diagnostics)
    HAVEN_FUZZ_CHECK(!d.message.empty(), "a diagnostic says something: " + d.to_string());
  if (!loaded.config) return 0;

  // The queries every consumer makes of a loaded cluster must hold for any accepted file.
  const auto& cluster = *loaded.config;
  HAVEN_FUZZ_CHECK(!cluster.lans.empty(), "an accepted cluster.xml has at least one lan");
  HAVEN_FUZZ_CHECK(cluster.command_lan() != nullptr, "an accepted cluster has a command lan");
  for (const auto& name : cluster.node_names()) {
    HAVEN_FUZZ_CHECK(!name.empty(), "an accepted node has a name");
    for (const auto& lan : cluster.lans) (void)cluster.address_of(name, lan.name);
  }
  return 0;
}
