// havend: the node daemon. One per node; serves the local control socket and runs one
// agent process per started module.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "common/atomic_file.hpp"
#include "common/module_log.hpp"
#include "daemon/local_node_name.hpp"
#include "daemon/node_daemon.hpp"

int main(int argc, char** argv) {
  CLI::App app{"havend: the haven node daemon. Serves the local control socket used by `haven`,\n"
               "and runs one agent process per started module."};
  std::optional<std::string> root;
  std::string node;
  bool keep_modules = false;
  app.add_option("--root", root, "Keep this node's whole world (configuration, modules, state, logs, socket) under DIR "
                                 "(default: $HAVEN_ROOT, else /etc/haven, /var/lib/haven, /run/haven, /var/log/haven)")
      ->type_name("DIR");
  app.add_option("--node", node, "This node's name in cluster.xml (default: the node whose address is local, else the host name)")
      ->type_name("NAME");
  app.add_flag("--keep-modules", keep_modules, "On SIGTERM, exit without stopping the running modules");
  CLI11_PARSE(app, argc, argv);

  auto paths = haven::HavenPaths::resolve(root);
  auto log = haven::open_daemon_logger(paths, true);
  if (!log.ok()) {
    std::cerr << "havend: " << log.error().message << "\n";
    return 1;
  }
  auto name = haven::local_node_name(paths, node);
  if (!name.ok()) {
    (*log)->error("{}", name.error().message);
    return 1;
  }

  // Signals are taken synchronously by the main thread; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  haven::NodeDaemon daemon(paths, *name, *log);
  if (auto st = daemon.start(); !st.ok()) {
    (*log)->error("cannot serve {}: {}", paths.daemon_socket().string(), st.error().message);
    return 1;
  }
  if (auto st = haven::write_file_atomically(paths.daemon_pid_file(), std::to_string(getpid()) + "\n"); !st.ok())
    (*log)->warn("{}", st.error().message);
  (*log)->info("havend started: node {}, socket {}", *name, paths.daemon_socket().string());

  int sig = 0;
  while (true) {
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      (*log)->info("SIGHUP: nothing to reload yet");
      continue;
    }
    break;
  }
  (*log)->info("havend received {}: {}", strsignal(sig), keep_modules ? "leaving modules running" : "stopping modules");
  daemon.stop(!keep_modules);
  std::error_code ec;
  std::filesystem::remove(paths.daemon_pid_file(), ec);
  (*log)->info("havend stopped");
  return 0;
}
