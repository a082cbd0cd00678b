// The cluster: its configuration (cluster.xml) and its key (every message between nodes is
// authenticated with it). The key is copied by the administrator, never sent over the network;
// cluster.xml may be pushed to the other nodes over the authenticated channel (`-H NODES -G`).
#include <iostream>

#include "cli_context.hpp"
#include "common/atomic_file.hpp"
#include "config/cluster_config_file.hpp"
#include "heartbeat/cluster_key.hpp"
#include "cluster_bundle.hpp"

namespace haven::cli {
namespace {

namespace fs = std::filesystem;

bool is_zip(const fs::path& p) {
  const auto name = p.filename().string();
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".zip") == 0;
}

// cluster.xml from FILE (a cluster.xml, or a zip holding cluster.xml and maybe cluster.key),
// or this node's own file when FILE is empty.
struct GivenConfig {
  std::string xml;
  std::string label;
  std::optional<std::string> key_text;  // a zip's cluster.key
};

Result<GivenConfig> read_given(const CliContext& ctx, const std::string& file) {
  GivenConfig given;
  if (file.empty()) {
    given.label = ctx.paths().cluster_config().string();
    auto text = read_file(given.label);
    if (!text.ok()) return fail(text.error().code, text.error().message + " (give a FILE: haven cluster config FILE)");
    given.xml = std::move(*text);
  } else if (is_zip(file)) {
    given.label = file + "!cluster.xml";
    auto bundle = read_cluster_bundle(file);
    if (!bundle.ok()) return std::move(bundle).error();
    given.xml = std::move(bundle->cluster_xml);
    given.key_text = std::move(bundle->cluster_key);
  } else {
    given.label = file;
    auto text = read_file(file);
    if (!text.ok()) return std::move(text).error();
    given.xml = std::move(*text);
  }
  return given;
}

// The node havend runs as, else --node, else "" (then the file is not checked for this node).
std::string this_node(const CliContext& ctx, const std::string& flag) {
  if (!flag.empty()) return flag;
  ControlRequest req;
  req.command = "node";
  auto r = ctx.ask_daemon(req, 5);
  if (r.ok() && r->ok && r->data.is_object() && r->data.contains("node")) return r->data["node"].get<std::string>();
  return "";
}

// A key from a zip is checked by reading it back from a file beside the real one.
Result<ClusterKey> install_key_text(const CliContext& ctx, const std::string& text, const std::string& label) {
  const auto file = ctx.paths().cluster_key();
  const auto trial = fs::path(file.string() + ".new");
  if (auto st = write_file_atomically(trial, text, 0600); !st.ok()) return std::move(st).error();
  auto key = load_cluster_key(trial);
  std::error_code ec;
  if (!key.ok()) {
    fs::remove(trial, ec);
    return fail(key.error().code, label + ": not a cluster key: " + key.error().message);
  }
  fs::rename(trial, file, ec);
  if (ec) return fail(Errc::io_error, "cannot install the key as " + file.string() + ": " + ec.message());
  return key;
}

}  // namespace

void add_cluster_commands(CLI::App& app, CliContext& ctx) {
  auto* cluster = app.add_subcommand("cluster", "The cluster's configuration (cluster.xml) and key");
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

  auto* delkey = cluster->add_subcommand("delkey", "Remove this node's cluster key: it then refuses every request from other nodes");
  delkey->callback([&ctx] {
    const auto file = ctx.paths().cluster_key();
    std::error_code ec;
    const bool had = fs::remove(file, ec);
    if (ec) return ctx.report_error(fail(Errc::io_error, "cannot remove " + file.string() + ": " + ec.message()));
    if (ctx.json) return ctx.print_json({{"ok", true}, {"file", file.string()}, {"removed", had}});
    std::cout << (had ? "removed the cluster key " : "there was no cluster key ") << file.string() << "\n";
  });

  auto cfg_file = std::make_shared<std::string>();
  auto cfg_node = std::make_shared<std::string>();
  auto* config = cluster->add_subcommand(
      "config", "Check and install FILE as this node's cluster.xml (a zip of cluster.xml and cluster.key also works); "
                "without FILE, apply the current one. Makes a key when there is none, and havend reads the file again");
  config->add_option("file", *cfg_file, "cluster.xml, or a zip holding cluster.xml and cluster.key")->type_name("FILE");
  config->add_option("--node", *cfg_node, "This node's name, when havend does not run to say it")->type_name("NAME");
  config->callback([&ctx, cfg_file, cfg_node] {
    auto given = read_given(ctx, *cfg_file);
    if (!given.ok()) return ctx.report_error(given.error());
    const auto node = this_node(ctx, *cfg_node);
    auto checked = config::check_cluster_config_for(given->xml, given->label, node);
    if (!checked.ok()) return ctx.report_error(checked.error());
    if (!cfg_file->empty())
      if (auto st = config::install_cluster_config(ctx.paths(), given->xml); !st.ok()) return ctx.report_error(st.error());
    std::string key_note;
    std::optional<ClusterKey> key;
    if (given->key_text) {
      auto installed = install_key_text(ctx, *given->key_text, *cfg_file + "!cluster.key");
      if (!installed.ok()) return ctx.report_error(installed.error());
      key = *installed;
      key_note = "key installed from the zip";
    } else if (auto existing = load_cluster_key(ctx.paths().cluster_key()); existing.ok()) {
      key = *existing;
      key_note = "key kept";
    } else {
      auto made = generate_cluster_key();
      if (!made.ok()) return ctx.report_error(made.error());
      if (auto st = save_cluster_key(ctx.paths().cluster_key(), *made); !st.ok()) return ctx.report_error(st.error());
      key = *made;
      key_note = "new key made: copy " + ctx.paths().cluster_key().string() + " to every node (mode 0600)";
    }
    ControlRequest reload;
    reload.command = "cluster-reload";
    const bool daemon = ctx.ask_daemon(reload, 10).ok();
    const auto signature = config::cluster_config_signature(given->xml);
    if (ctx.json)
      return ctx.print_json({{"ok", true}, {"file", ctx.paths().cluster_config().string()}, {"signature", signature},
                             {"nodes", checked->node_names()}, {"key_fingerprint", fingerprint_hex(*key)},
                             {"key", key_note}, {"havend_reloaded", daemon}, {"node", node}});
    std::cout << "cluster.xml " << ctx.paths().cluster_config().string() << ": signature " << signature << ", "
              << checked->node_names().size() << " nodes; " << key_note << " (fingerprint " << fingerprint_hex(*key) << ")\n";
    if (node.empty())
      std::cout << "note: havend does not run and no --node was given: not checked that this machine is one of the nodes\n";
    std::cout << (daemon ? "havend reads it again now" : "havend is not running: it reads the file when it starts") << "\n";
  });

  auto check_file = std::make_shared<std::string>();
  auto* confcheck = cluster->add_subcommand("confcheck", "Check a cluster.xml (or a zip) without installing it; exit 1 when it is wrong");
  confcheck->add_option("file", *check_file, "cluster.xml or a zip; default: this node's")->type_name("FILE");
  confcheck->callback([&ctx, check_file] {
    auto given = read_given(ctx, *check_file);
    if (!given.ok()) return ctx.report_error(given.error());
    auto checked = config::check_cluster_config_for(given->xml, given->label, "");
    if (!checked.ok()) return ctx.report_error(checked.error());
    const auto signature = config::cluster_config_signature(given->xml);
    if (ctx.json)
      return ctx.print_json({{"ok", true}, {"file", given->label}, {"signature", signature}, {"nodes", checked->node_names()}});
    std::cout << given->label << ": valid, " << checked->node_names().size() << " nodes, " << checked->lans.size()
              << " lans, signature " << signature << "\n";
  });

  auto* confinfo = cluster->add_subcommand("confinfo", "Show the signature of this node's cluster.xml and the fingerprint of its key, to compare nodes");
  confinfo->callback([&ctx] {
    const auto file = ctx.paths().cluster_key();
    auto key = load_cluster_key(file);
    auto text = read_file(ctx.paths().cluster_config());
    if (!key.ok() && !text.ok()) return ctx.report_error(key.error());
    nlohmann::json j{{"file", file.string()}, {"config", ctx.paths().cluster_config().string()}};
    if (key.ok()) j["fingerprint"] = fingerprint_hex(*key);
    if (text.ok()) j["signature"] = config::cluster_config_signature(*text);
    if (ctx.json) return ctx.print_json(j);
    if (key.ok())
      std::cout << "cluster key " << file.string() << ": fingerprint " << fingerprint_hex(*key) << "\n";
    else
      std::cout << "cluster key: " << key.error().message << "\n";
    if (text.ok())
      std::cout << "cluster.xml " << ctx.paths().cluster_config().string() << ": signature " << j["signature"].get<std::string>() << "\n";
    else
      std::cout << "cluster.xml: " << text.error().message << "\n";
  });

  auto* state = cluster->add_subcommand(
      "state", "Every node's view of the cluster: reachable, key fingerprint, cluster.xml signature; exit 1 when a node differs or does not answer");
  state->callback([&ctx] {
    auto text = read_file(ctx.paths().cluster_config());
    if (!text.ok()) return ctx.report_error(text.error());
    auto cluster_cfg = config::check_cluster_config_for(*text, ctx.paths().cluster_config().string(), "");
    if (!cluster_cfg.ok()) return ctx.report_error(cluster_cfg.error());
    const auto signature = config::cluster_config_signature(*text);
    auto key = load_cluster_key(ctx.paths().cluster_key());
    const std::string fingerprint = key.ok() ? fingerprint_hex(*key) : "";
    nlohmann::json nodes = nlohmann::json::array();
    bool all_same = true;
    for (const auto& name : cluster_cfg->node_names()) {
      CliContext via = ctx;
      via.target = name;
      ControlRequest req;
      req.command = "cluster-info";
      auto r = via.ask_daemon(req, 5);
      nlohmann::json row{{"node", name}};
      if (!r.ok() || !r->ok) {
        row["reachable"] = false;
        row["error"] = r.ok() ? r->message : r.error().message;
        all_same = false;
      } else {
        row["reachable"] = true;
        row["key_fingerprint"] = r->data.value("key_fingerprint", "");
        row["signature"] = r->data.value("signature", "");
        row["same_key"] = row["key_fingerprint"] == fingerprint;
        row["same_config"] = row["signature"] == signature;
        if (!row["same_key"].get<bool>() || !row["same_config"].get<bool>()) all_same = false;
      }
      nodes.push_back(row);
    }
    if (!all_same) ctx.exit_code = 1;
    if (ctx.json)
      return ctx.print_json({{"signature", signature}, {"key_fingerprint", fingerprint}, {"nodes", nodes}, {"consistent", all_same}});
    std::cout << "this node: cluster.xml signature " << signature << ", key fingerprint "
              << (fingerprint.empty() ? "(no key)" : fingerprint) << "\n";
    for (const auto& row : nodes) {
      std::cout << "  " << row["node"].get<std::string>() << ": ";
      if (!row["reachable"].get<bool>()) {
        std::cout << "not reachable: " << row["error"].get<std::string>() << "\n";
        continue;
      }
      std::cout << "signature " << row["signature"].get<std::string>()
                << (row["same_config"].get<bool>() ? " (same)" : " (DIFFERS: haven -H NODE -G)") << ", key "
                << row["key_fingerprint"].get<std::string>() << (row["same_key"].get<bool>() ? " (same)" : " (DIFFERS)") << "\n";
    }
  });

  auto keep_key = std::make_shared<bool>(false);
  auto* deconfig = cluster->add_subcommand(
      "deconfig", "Remove this node's cluster.xml (kept as cluster.xml.previous) and its key: the node then runs modules alone");
  deconfig->add_flag("--keep-key", *keep_key, "Keep the cluster key");
  deconfig->callback([&ctx, keep_key] {
    if (auto st = config::remove_cluster_config(ctx.paths(), !*keep_key); !st.ok()) return ctx.report_error(st.error());
    ControlRequest reload;
    reload.command = "cluster-reload";
    const bool daemon = ctx.ask_daemon(reload, 10).ok();
    if (ctx.json) return ctx.print_json({{"ok", true}, {"key_removed", !*keep_key}, {"havend_reloaded", daemon}});
    std::cout << "cluster configuration removed" << (*keep_key ? " (key kept)" : " with its key")
              << "; modules already running keep the old one until they stop\n";
  });

  // `haven -H NODES -G` (main turns -G into this hidden command): this node's cluster.xml,
  // pushed to each node's havend over the authenticated channel.
  auto* push = app.add_subcommand("cluster-push", summary_of("cluster-push"));
  push->group("");
  push->callback([&ctx] {
    if (ctx.target.empty())
      return ctx.report_error(fail(Errc::invalid_argument, "-G pushes this node's cluster.xml to other nodes: give them with -H \"*\" or -H node1,node2"));
    auto text = read_file(ctx.paths().cluster_config());
    if (!text.ok()) return ctx.report_error(text.error());
    if (auto checked = config::check_cluster_config_for(*text, ctx.paths().cluster_config().string(), ""); !checked.ok())
      return ctx.report_error(checked.error());
    ControlRequest req;
    req.command = "cluster-push";
    req.args = {{"xml", *text}};
    auto r = ctx.ask_daemon(req, 15);
    if (!r.ok()) return ctx.report_error(r.error());
    if (!r->ok) return ctx.report_error(Error{r->code, r->message});
    if (ctx.json) return ctx.print_json({{"ok", true}, {"node", ctx.target}, {"signature", r->data.value("signature", "")}});
    std::cout << r->message << "\n";
  });
}

}  // namespace haven::cli
