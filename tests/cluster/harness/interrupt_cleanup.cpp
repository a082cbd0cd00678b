#include "interrupt_cleanup.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "command_runner.hpp"

namespace haven::cluster {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

// What the handler reads: the script and the pid it was written for (a forked child inherits
// the parent's registry, and must not remove the parent's clusters).
struct Published {
  pid_t pid = 0;
  char* script = nullptr;
};

std::atomic<Published*> g_published{nullptr};
// Set by the first delivery. A handler we chain to may put ours back and raise again (Catch2
// does): the second delivery then ends the process instead of going round in circles.
volatile std::sig_atomic_t g_fired = 0;
struct sigaction g_previous[NSIG];

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::uint64_t, std::pair<pid_t, std::vector<std::string>>>& registry() {
  static std::map<std::uint64_t, std::pair<pid_t, std::vector<std::string>>> r;
  return r;
}
// Every published version stays allocated: a handler may be reading an older one.
std::vector<std::unique_ptr<Published>>& versions() {
  static std::vector<std::unique_ptr<Published>> v;
  return v;
}
std::vector<std::unique_ptr<char[]>>& scripts() {
  static std::vector<std::unique_ptr<char[]>> s;
  return s;
}
std::uint64_t g_next_token = 1;

std::string build_script_locked() {
  const pid_t self = ::getpid();
  std::string script;
  for (const auto& [token, entry] : registry()) {
    if (entry.first != self) continue;
    for (const auto& ns : entry.second)
      script += "for p in $(" + ip_program() + " netns pids '" + ns + "' 2>/dev/null); do kill -9 $p; done; " +
                ip_program() + " netns delete '" + ns + "' 2>/dev/null\n";
  }
  return script;
}

void publish_locked() {
  const std::string script = build_script_locked();
  auto version = std::make_unique<Published>();
  version->pid = ::getpid();
  if (!script.empty()) {
    auto text = std::make_unique<char[]>(script.size() + 1);
    std::memcpy(text.get(), script.c_str(), script.size() + 1);
    version->script = text.get();
    scripts().push_back(std::move(text));
  }
  g_published.store(version.get());
  versions().push_back(std::move(version));
}

extern "C" void on_interrupt(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  if (g_fired) {
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    return;
  }
  g_fired = 1;
  const Published* p = g_published.load();
  if (p && p->script && p->pid == ::getpid()) {
    // A raw clone instead of fork(): fork() runs atfork handlers and may take malloc's locks.
    const long child = ::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (child == 0) {
      char sh[] = "/bin/sh";
      char dash_c[] = "-c";
      char* argv[] = {sh, dash_c, p->script, nullptr};
      char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
      char* envp[] = {path, nullptr};
      ::execve(sh, argv, envp);
      ::_exit(127);
    }
    if (child > 0) {
      int status = 0;
      while (::waitpid(static_cast<pid_t>(child), &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  errno = saved_errno;
  const struct sigaction& prev = g_previous[sig];
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
    return;
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Catch2 and others install and restore their own handlers; ours goes back on top each time a
// cluster is registered, and passes the signal on to whatever was there.
void install_locked() {
  for (int sig : kSignals) {
    struct sigaction current {};
    if (::sigaction(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_interrupt) continue;
    if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN) continue;  // the process chose to ignore it
    struct sigaction ours {};
    ours.sa_sigaction = on_interrupt;
    ours.sa_flags = SA_SIGINFO;
    sigemptyset(&ours.sa_mask);
    for (int s : kSignals) sigaddset(&ours.sa_mask, s);
    g_previous[sig] = current;
    ::sigaction(sig, &ours, nullptr);
  }
}

}  // namespace

std::uint64_t register_namespaces(const std::vector<std::string>& namespaces) {
  std::lock_guard lock(registry_mutex());
  const std::uint64_t token = g_next_token++;
  registry()[token] = {::getpid(), namespaces};
  publish_locked();
  install_locked();
  return token;
}

void unregister_namespaces(std::uint64_t token) {
  std::lock_guard lock(registry_mutex());
  if (registry().erase(token)) publish_locked();
}

std::string interrupt_script() {
  std::lock_guard lock(registry_mutex());
  return build_script_locked();
}

}  // namespace haven::cluster
