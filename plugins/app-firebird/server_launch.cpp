#include "server_launch.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace haven::firebird {
namespace {

struct Prepared {
  std::vector<std::string> args, env;
  std::vector<char*> cargv, cenv;
  std::vector<gid_t> groups;
};

// Everything the child needs is made before fork: it then only makes system calls.
Prepared prepare_exec(const std::vector<std::string>& argv, const std::vector<std::string>& added,
                      const UserAccount& user) {
  Prepared p;
  p.args = argv;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    // ISC_USER, ISC_PASSWORD, FIREBIRD... would change what the server reads and where.
    if (entry.rfind("ISC_", 0) == 0 || entry.rfind("FIREBIRD", 0) == 0) continue;
    if (entry.rfind("HOME=", 0) == 0 || entry.rfind("USER=", 0) == 0 || entry.rfind("LOGNAME=", 0) == 0) continue;
    p.env.emplace_back(entry);
  }
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  std::string home = "/";
  if (::getpwnam_r(user.name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
      entry.pw_dir != nullptr)
    home = entry.pw_dir;
  p.env.push_back("HOME=" + home);
  p.env.push_back("USER=" + user.name);
  p.env.push_back("LOGNAME=" + user.name);
  p.env.insert(p.env.end(), added.begin(), added.end());
  int count = 64;
  p.groups.resize(static_cast<std::size_t>(count));
  if (::getgrouplist(user.name.c_str(), user.gid, p.groups.data(), &count) < 0) {
    p.groups.resize(static_cast<std::size_t>(count));
    if (::getgrouplist(user.name.c_str(), user.gid, p.groups.data(), &count) < 0) count = 0;
  }
  p.groups.resize(static_cast<std::size_t>(count));
  if (p.groups.empty()) p.groups.push_back(user.gid);
  for (auto& a : p.args) p.cargv.push_back(a.data());
  p.cargv.push_back(nullptr);
  for (auto& e : p.env) p.cenv.push_back(e.data());
  p.cenv.push_back(nullptr);
  return p;
}

// In the child: standard streams, signals, user, then exec. Never returns.
[[noreturn]] void become(Prepared& p, const UserAccount& user, int in_fd, int out_fd) {
  if (in_fd >= 0) ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  if (::setgroups(p.groups.size(), p.groups.data()) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0) {
    static const char msg[] = "cannot switch to the database user\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(126);
  }
  if (::chdir("/") != 0) ::_exit(126);
  ::execve(p.cargv[0], p.cargv.data(), p.cenv.data());
  const char* why = std::strerror(errno);
  (void)!::write(2, "cannot execute ", 15);
  (void)!::write(2, p.cargv[0], std::strlen(p.cargv[0]));
  (void)!::write(2, ": ", 2);
  (void)!::write(2, why, std::strlen(why));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

Status absolute_program(const std::vector<std::string>& argv) {
  if (!argv.empty() && !argv[0].empty() && argv[0][0] == '/') return ok_status();
  return fail(Errc::invalid_argument, "expected an absolute program path, got '" +
                                          (argv.empty() ? std::string() : argv[0]) + "'");
}

}  // namespace

Result<UserAccount> find_user(const std::string& name) {
  return find_user_account(name, "the user Firebird runs as (Debian's firebird3.0-server creates 'firebird')");
}

Result<pid_t> launch_detached(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                              const UserAccount& user, const std::filesystem::path& log) {
  if (auto st = absolute_program(argv); !st) return std::move(st).error();
  Prepared p = prepare_exec(argv, env, user);
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (log_fd < 0)
    return fail(Errc::io_error, "cannot open " + log.string() + " for the output of " + argv[0] + ": " +
                                    std::strerror(errno));
  int pid_pipe[2];
  if (::pipe2(pid_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(log_fd);
    return fail(Errc::io_error, "cannot make a pipe to start " + argv[0] + ": " + std::strerror(err));
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t middle = ::fork();
  if (middle == 0) {
    ::setsid();
    const pid_t server = ::fork();
    if (server == 0) become(p, user, devnull, log_fd);
    (void)!::write(pid_pipe[1], &server, sizeof server);
    ::_exit(server > 0 ? 0 : 1);
  }
  const int fork_errno = errno;
  ::close(pid_pipe[1]);
  ::close(log_fd);
  if (devnull >= 0) ::close(devnull);
  if (middle < 0) {
    ::close(pid_pipe[0]);
    return fail(Errc::io_error, "cannot fork to start " + argv[0] + ": " + std::strerror(fork_errno));
  }
  pid_t server = -1;
  ssize_t got = -1;
  do {
    got = ::read(pid_pipe[0], &server, sizeof server);
  } while (got < 0 && errno == EINTR);
  ::close(pid_pipe[0]);
  int status = 0;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof server) || server <= 0)
    return fail(Errc::io_error, "cannot fork the server process to start " + argv[0]);
  return server;
}

}  // namespace haven::firebird
