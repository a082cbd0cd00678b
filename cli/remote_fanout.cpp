#include "remote_fanout.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "common/process_environment.hpp"
#include "config/cluster_config.hpp"
#include "control/command_registry.hpp"
#include "remote/remote_targets.hpp"

namespace haven::cli {
namespace {

constexpr std::size_t kMaxChildOutput = 16 * 1024 * 1024;
constexpr const char* kExitCodesKey = "exit_codes";

struct NodeRun {
  std::string node;
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  std::string out;
  std::string err;
  int exit_code = 1;
};

Result<std::vector<std::string>> cluster_nodes(const CliContext& ctx) {
  auto cluster = config::read_cluster_config(ctx.paths().cluster_config(), process_environment());
  if (!cluster.ok()) return fail(cluster.error().code, "-H needs the cluster configuration: " + cluster.error().message);
  return cluster->node_names();
}

Status start_child(NodeRun& run, const std::vector<std::string>& args) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(Errc::io_error, std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return fail(Errc::io_error, std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::io_error, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execv("/proc/self/exe", argv.data());
    const std::string msg = std::string("haven: cannot run itself for -H: ") + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  run.pid = pid;
  run.out_fd = out[0];
  run.err_fd = err[0];
  return {};
}

// Reads every child's stdout and stderr until all are closed, then reaps them.
void collect(std::vector<NodeRun>& runs) {
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::pair<NodeRun*, bool>> owners;  // (run, is stdout)
    for (auto& r : runs) {
      if (r.out_fd >= 0) fds.push_back({r.out_fd, POLLIN, 0}), owners.emplace_back(&r, true);
      if (r.err_fd >= 0) fds.push_back({r.err_fd, POLLIN, 0}), owners.emplace_back(&r, false);
    }
    if (fds.empty()) break;
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto [run, is_out] = owners[i];
      int& fd = is_out ? run->out_fd : run->err_fd;
      std::string& sink = is_out ? run->out : run->err;
      char buf[65536];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        if (sink.size() < kMaxChildOutput) sink.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fd);
        fd = -1;
      }
    }
  }
  for (auto& r : runs) {
    int status = 0;
    while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
}

nlohmann::json node_json(const NodeRun& run) {
  auto parsed = nlohmann::json::parse(run.out, nullptr, false);
  if (!parsed.is_discarded()) return parsed;
  std::string message = run.err.empty() ? run.out : run.err;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (message.rfind("haven: ", 0) == 0) message.erase(0, 7);
  return {{"ok", false}, {"error", {{"code", "internal"}, {"message", message}}}};
}

int report(const CliContext& ctx, const std::vector<NodeRun>& runs) {
  int failed = 0;
  for (const auto& r : runs) failed += r.exit_code != 0;
  if (ctx.json) {
    nlohmann::json all = nlohmann::json::object();
    nlohmann::json codes = nlohmann::json::object();
    for (const auto& r : runs) {
      all[r.node] = node_json(r);
      codes[r.node] = r.exit_code;
    }
    all[kExitCodesKey] = codes;
    ctx.print_json(all);
  } else {
    for (const auto& r : runs) {
      std::cout << "=== " << r.node << (r.exit_code == 0 ? "" : " (exit " + std::to_string(r.exit_code) + ")")
                << " ===\n"
                << r.out << std::flush;
      std::cerr << r.err << std::flush;
    }
    if (failed > 0) {
      std::string which;
      for (const auto& r : runs)
        if (r.exit_code != 0) which += (which.empty() ? "" : ", ") + r.node;
      std::cerr << "haven: the command failed on " << failed << " of " << runs.size() << " nodes: " << which << "\n";
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

std::vector<std::string> without_host_option(int argc, char** argv) {
  std::vector<std::string> args;
  if (argc > 0) args.emplace_back(argv[0]);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      for (; i < argc; ++i) args.emplace_back(argv[i]);
      break;
    }
    if (a == "-H") {
      ++i;
      continue;
    }
    if (a.rfind("-H", 0) == 0) continue;
    args.push_back(a);
  }
  return args;
}

std::optional<int> fan_out_if_asked(CliContext& ctx, const std::string& command, int argc, char** argv) {
  if (ctx.hosts.empty() && ctx.target.empty()) return std::nullopt;
  if (const auto* spec = find_command(command); spec == nullptr || !spec->remote) {
    ctx.report_error(fail(Errc::unsupported, "\"" + command + "\" works on this node's files directly, so -H cannot run it "
                                             "on other nodes; run it on each node. With -H: " + remote_command_list()));
    return ctx.exit_code;
  }
  if (ctx.hosts.empty()) return std::nullopt;  // a child: run the command, through the relay
  if (!ctx.target.empty()) {
    ctx.report_error(fail(Errc::invalid_argument, "-H and --target cannot be used together"));
    return ctx.exit_code;
  }
  auto nodes = cluster_nodes(ctx);
  if (!nodes.ok()) {
    ctx.report_error(nodes.error());
    return ctx.exit_code;
  }
  auto targets = parse_targets(ctx.hosts, *nodes);
  if (!targets.ok()) {
    ctx.report_error(targets.error());
    return ctx.exit_code;
  }
  if (ctx.json) {
    for (const auto& t : *targets)
      if (t == kExitCodesKey) {
        ctx.report_error(fail(Errc::invalid_argument, std::string("-H --json: a node named \"") + kExitCodesKey +
                                                          "\" would clash with the exit codes in the output"));
        return ctx.exit_code;
      }
  }
  const auto base = without_host_option(argc, argv);
  std::vector<NodeRun> runs;
  runs.reserve(targets->size());
  for (const auto& node : *targets) {
    std::vector<std::string> args{base.front(), "--target", node};
    args.insert(args.end(), base.begin() + 1, base.end());
    NodeRun run;
    run.node = node;
    if (auto st = start_child(run, args); !st.ok()) {
      run.err = "haven: cannot run the command for node " + node + ": " + st.error().message + "\n";
      run.exit_code = 1;
      run.pid = -1;
    }
    runs.push_back(std::move(run));
  }
  std::vector<NodeRun> started;
  std::vector<NodeRun> not_started;
  for (auto& r : runs) (r.pid > 0 ? started : not_started).push_back(std::move(r));
  collect(started);
  std::vector<NodeRun> ordered;
  for (const auto& node : *targets) {
    for (auto* group : {&started, &not_started})
      for (auto& r : *group)
        if (r.node == node) ordered.push_back(std::move(r));
  }
  return report(ctx, ordered);
}

}  // namespace haven::cli
