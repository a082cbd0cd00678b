// The cluster: its key (every message between nodes is authenticated with it).
#include <iostream>

#include "cli_context.hpp"
#include "heartbeat/cluster_key.hpp"

namespace haven::cli {

void add_cluster_commands(CLI::App& app, CliContext& ctx) {
  auto* cluster = app.add_subcommand("cluster", "The cluster's key and configuration");
  cluster->require_subcommand(1);

  auto force = std::make_shared<bool>(false);
  auto* genkey = cluster->add_subcommand(
      "genkey", "Make a new cluster key on this node (copy the key file to every node: a node without it is not part of the cluster)");
  genkey->add_flag("--force", *force, "Replace an existing key (nodes still holding the old one stop trusting this node)");
  genkey->callback([&ctx, force] {
    const auto file = ctx.paths().cluster_key();
    std::error_code ec;
    if (std::filesystem::exists(file, ec) && !*force)
      return ctx.report_error(fail(Errc::already_exists, "a cluster key already exists in " + file.string() +
                                                             "; pass --force to replace it on every node"));
    auto key = generate_cluster_key();
    if (!key.ok()) return ctx.report_error(key.error());
    if (auto st = save_cluster_key(file, *key); !st.ok()) return ctx.report_error(st.error());
    if (ctx.json) return ctx.print_json({{"ok", true}, {"file", file.string()}, {"fingerprint", fingerprint_hex(*key)}});
    std::cout << "new cluster key in " << file.string() << " (fingerprint " << fingerprint_hex(*key)
              << "); copy it to every node, mode 0600\n";
  });

  auto* confinfo = cluster->add_subcommand("confinfo", "Show the fingerprint of this node's cluster key, to compare nodes");
  confinfo->callback([&ctx] {
    const auto file = ctx.paths().cluster_key();
    auto key = load_cluster_key(file);
    if (!key.ok()) return ctx.report_error(key.error());
    if (ctx.json) return ctx.print_json({{"file", file.string()}, {"fingerprint", fingerprint_hex(*key)}});
    std::cout << "cluster key " << file.string() << ": fingerprint " << fingerprint_hex(*key) << "\n";
  });
}

}  // namespace haven::cli
