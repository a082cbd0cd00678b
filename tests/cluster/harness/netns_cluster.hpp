// haven's multi-host test harness: a cluster of hosts made of Linux network namespaces.
//
//            switch namespace  (hvn-<pid>-<name>-switch)
//     +----------------------------------------------+
//     |  br-lan1: node1-l1  node2-l1  client1-l1 ...   |   (br-lan2 likewise with --lans 2)
//     +------|---------|---------|---------------------+
//          veth      veth      veth
//     +------|--+ +----|----+ +--|------+
//     |  eth0   | |  eth0   | |  eth0   |   one namespace per host: hvn-<pid>-<name>-node1 ...
//     |  node1  | |  node2  | | client1 |   lo up; eth0 on lan1, eth1 on lan2
//     +---------+ +---------+ +---------+
//
// Addresses (documented in docs/testing-cluster.md): lan1 is 198.51.100.0/25 and
// 2001:db8:1::/64, lan2 198.51.100.128/25 and 2001:db8:2::/64; node i is .i (lan2: .128+i)
// and 2001:db8:<lan>::i; client j is .100+j (lan2: .228+j) and 2001:db8:<lan>::<100+j>
// (client1: 198.51.100.101, 2001:db8:1::101); .50-.99
// (lan2 .178-.227) are never given to a host: Lan::spare_ipv4 hands them out for virtual IPs.
// Nothing is added to the root namespace: every veth is created from inside the switch
// namespace with its host end moved straight into the host's namespace.
//
// Clean-up: destroy() (also run by the destructor) stops the processes spawned, kills every
// process left inside the namespaces and deletes them. SIGINT, SIGTERM and SIGHUP remove the
// live clusters of the process before it dies of the signal. A cluster whose creating process
// died otherwise (SIGKILL) is removed by remove_stale(), which create() runs first.
//
// Commands run inside a host through `ip netns exec`, which also remounts /sys for the
// namespace: /sys/class/net shows the host's own interfaces, as on a real machine.
//
// Requires root (CAP_SYS_ADMIN and CAP_NET_ADMIN), iproute2, and nftables (`nft`) for
// partition(). A NetnsCluster is used from one thread at a time, except that layout(), host()
// and run() may be called from several threads at once (to probe many pairs in parallel).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster_layout.hpp"
#include "command_runner.hpp"
#include "haven/result.hpp"
#include "host_process.hpp"

namespace haven::cluster {

/// Whether this process may build clusters (root, `ip netns add` works, ip found); when not,
/// the reason, for a test to WARN and skip. Tries once per process.
Status netns_available();

class NetnsCluster {
 public:
  /// Removes stale clusters, then builds the switch, bridges, hosts, links and addresses of
  /// `spec`, every link up. On failure, whatever was built is removed and the error names the
  /// step (the `ip` command and what it printed).
  [[nodiscard]] static Result<NetnsCluster> create(const Spec& spec);

  /// Operates on a cluster built by another process (from its Layout, e.g. haven-netns's
  /// record). The handle does not own it: its destructor leaves it in place; destroy() removes it.
  [[nodiscard]] static NetnsCluster attach(Layout layout);

  /// Removes every cluster namespace ("hvn-<pid>-...") whose creating process is dead, unless
  /// haven-netns recorded it as complete in its state folder. How many namespaces were removed;
  /// io_error naming those that could not be.
  [[nodiscard]] static Result<int> remove_stale();

  NetnsCluster(NetnsCluster&&) noexcept;
  NetnsCluster& operator=(NetnsCluster&&) noexcept;
  NetnsCluster(const NetnsCluster&) = delete;
  NetnsCluster& operator=(const NetnsCluster&) = delete;
  /// destroy() when owned; errors are printed on stderr.
  ~NetnsCluster();

  const Layout& layout() const;
  /// The host `name` (node1.., client1..); not_found listing the hosts there are.
  [[nodiscard]] Result<Host> host(const std::string& name) const;

  /// Pulls the cable of `host` on `lan` (0: every lan): the switch's end of the veth goes down,
  /// so the host's interface stays administratively up but loses its carrier (NO-CARRIER,
  /// /sys/class/net/eth0/carrier 0, IFF_RUNNING off), as an `intf` checker expects.
  [[nodiscard]] Status cut_link(const std::string& host, int lan = 0);
  /// Plugs it back: carrier up again, frames forwarded at once (the bridges run no STP).
  [[nodiscard]] Status restore_link(const std::string& host, int lan = 0);

  /// Only hosts of the same group reach each other, on every lan; a host named in no group is
  /// alone. Replaces any previous partition atomically. Cut links stay cut.
  [[nodiscard]] Status partition(const std::vector<std::vector<std::string>>& groups);
  /// Everyone reaches everyone again (links cut stay cut).
  [[nodiscard]] Status heal();

  /// Runs argv (argv[0] looked up in PATH) on `host` and waits at most `timeout` (then kills it);
  /// not_found for an unknown host. The exit code is in the output, not an error.
  [[nodiscard]] Result<CommandOutput> run(const std::string& host, const std::vector<std::string>& argv,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Starts argv in the background on `host` (its own process group), `env` added to this
  /// process's environment, stdout and stderr appended to `log_file`. The cluster stops it
  /// (SIGTERM, then SIGKILL after 2 s) at destroy() if it still runs.
  [[nodiscard]] Result<HostProcess> spawn(const std::string& host, const std::vector<std::string>& argv,
                                          const std::map<std::string, std::string>& env,
                                          const std::filesystem::path& log_file);

  /// Stops the spawned processes, kills anything else inside the namespaces, deletes them all
  /// and checks they are gone. Idempotent; best effort: goes on after an error, then reports
  /// every namespace it could not remove.
  Status destroy();

  /// Gives up ownership: the cluster outlives this handle and this process (haven-netns up).
  /// The processes spawned through this handle are left running.
  void release();

 private:
  struct State;
  explicit NetnsCluster(std::unique_ptr<State> state);
  Result<const Host*> find_host(const std::string& name, const char* action) const;
  Status set_link(const std::string& host, int lan, bool up);
  std::unique_ptr<State> state_;
};

}  // namespace haven::cluster
