// The variables of a batch run: names case-insensitive as in cmd (PATH, Path and path are
// one variable), the spelling of the first definition kept for child processes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace haven::cmd {

class BatchEnvironment {
 public:
  BatchEnvironment() = default;
  explicit BatchEnvironment(const std::map<std::string, std::string>& initial);

  std::optional<std::string> get(std::string_view name) const;
  /// An empty value removes the variable, as `set X=` does.
  void set(std::string_view name, std::string value);
  bool defined(std::string_view name) const { return get(name).has_value(); }

  /// NAME=value pairs sorted by name, case-insensitively (the order `set` prints).
  std::vector<std::pair<std::string, std::string>> entries() const;
  /// "NAME=value" strings for execve.
  std::vector<std::string> to_envp() const;

 private:
  std::map<std::string, std::pair<std::string, std::string>> vars_;  // UPPER -> (name, value)
};

}  // namespace haven::cmd
