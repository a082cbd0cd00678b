// A BatchSystem that runs nothing: it writes "[run] prog <arg1> <arg2>" to the command's
// stdout and answers with a made-up exit code, so golden scripts show what would have run.
#pragma once

#include <unistd.h>

#include <set>
#include <string>

#include "batch_system.hpp"

namespace haven::cmd::testing {

class FakeBatchSystem final : public BatchSystem {
 public:
  /// Sleeps are shown as "[sleep N]" on this descriptor (the script's first stdout).
  void set_sleep_fd(int fd) { sleep_fd_ = fd; }

  /// Programs that "exist": a bare name in this set, or any path whose last part is in it.
  /// `false` exits 1, `exitwith N` exits N, the rest 0.
  /// A bare name is found only when PATH holds a "bin" folder.
  std::optional<std::string> find_program(const std::string& name, const std::string& path_variable,
                                          const std::string&) override {
    const auto slash = name.find_last_of('/');
    if (slash == std::string::npos && path_variable.find("/bin") == std::string::npos) return std::nullopt;
    const auto base = slash == std::string::npos ? name : name.substr(slash + 1);
    static const std::set<std::string> kKnown = {"true", "false", "prog", "safekit", "systemctl", "timeout", "exitwith", "ping", "pkill", "kill", "grep", "find"};
    if (kKnown.count(base) == 0) return std::nullopt;
    return slash == std::string::npos ? "/fake/bin/" + name : name;
  }

  Result<int> run(const ProcessRequest& request) override {
    const auto slash = request.program.find_last_of('/');
    const auto base = slash == std::string::npos ? request.program : request.program.substr(slash + 1);
    std::string line = "[run] " + base;
    for (std::size_t i = 1; i < request.argv.size(); ++i) line += " <" + request.argv[i] + ">";
    line += "\n";
    write_all(request.stdout_fd, line);
    if (base == "false") return 1;
    if (base == "exitwith" && request.argv.size() > 1) return std::stoi(request.argv[1]);
    return 0;
  }

  void sleep_seconds(long long seconds) override { write_all(sleep_fd_, "[sleep " + std::to_string(seconds) + "]\n"); }

 private:
  static void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const auto n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  int sleep_fd_ = 1;
};

}  // namespace haven::cmd::testing
