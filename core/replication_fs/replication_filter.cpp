#include "replication_fs/replication_filter.hpp"

#include <regex.h>

#include <fmt/format.h>

namespace haven::replication_fs {

struct ReplicationFilter::Rule {
  enum class Kind { path, regex, only_regex } kind = Kind::path;
  std::string path;
  regex_t regex{};
  bool compiled = false;

  Rule() = default;
  Rule(const Rule&) = delete;
  Rule& operator=(const Rule&) = delete;
  ~Rule() {
    if (compiled) regfree(&regex);
  }

  bool matches(std::string_view relative_path) const {
    const std::string name(relative_path);  // regexec needs a terminated string
    return regexec(&regex, name.c_str(), 0, nullptr, 0) == 0;
  }
};

ReplicationFilter::ReplicationFilter() = default;
ReplicationFilter::ReplicationFilter(ReplicationFilter&&) noexcept = default;
ReplicationFilter& ReplicationFilter::operator=(ReplicationFilter&&) noexcept = default;
ReplicationFilter::~ReplicationFilter() = default;

namespace {

// "./a//b/" -> "a/b": the relative path as the file system hands it to us.
std::string normalise(std::string_view path) {
  std::string out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    i = j + 1;
  }
  return out;
}

bool leaves_directory(std::string_view path) {
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (path.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

}  // namespace

Result<ReplicationFilter> ReplicationFilter::from_config(const std::vector<config::NotReplicated>& rules,
                                                         const std::string& where) {
  ReplicationFilter filter;
  for (const auto& item : rules) {
    auto rule = std::make_unique<Rule>();
    if (!item.path.empty()) {
      if (item.path.front() == '/' || leaves_directory(item.path))
        return fail(Errc::invalid_argument,
                    fmt::format("{}: <notreplicated path=\"{}\">: expected a path relative to the replicated "
                                "directory, without a leading / or a .. component",
                                where, item.path));
      rule->kind = Rule::Kind::path;
      rule->path = normalise(item.path);
      if (rule->path.empty())
        return fail(Errc::invalid_argument,
                    fmt::format("{}: <notreplicated path=\"{}\"> names the replicated directory itself; "
                                "expected a file or folder inside it (remove the <replicated> element instead)",
                                where, item.path));
    } else {
      std::string expression = item.regexpath;
      rule->kind = Rule::Kind::regex;
      if (!expression.empty() && expression.front() == '!') {
        rule->kind = Rule::Kind::only_regex;
        expression.erase(0, 1);
      }
      int rc = regcomp(&rule->regex, expression.c_str(), REG_EXTENDED | REG_NOSUB);
      if (rc != 0) {
        char message[256];
        regerror(rc, &rule->regex, message, sizeof message);
        return fail(Errc::invalid_argument,
                    fmt::format("{}: <notreplicated regexpath=\"{}\">: {}; expected a POSIX extended regular "
                                "expression, or ! followed by one",
                                where, item.regexpath, message));
      }
      rule->compiled = true;
    }
    filter.rules_.push_back(std::move(rule));
  }
  return filter;
}

bool ReplicationFilter::excluded_itself(std::string_view relative_path, bool is_directory) const {
  for (const auto& rule : rules_) {
    switch (rule->kind) {
      case Rule::Kind::path:
        if (relative_path == rule->path) return true;
        break;
      case Rule::Kind::regex:
        if (rule->matches(relative_path)) return true;
        break;
      case Rule::Kind::only_regex:
        if (!is_directory && !rule->matches(relative_path)) return true;
        break;
    }
  }
  return false;
}

bool ReplicationFilter::depends_on_type() const {
  for (const auto& rule : rules_)
    if (rule->kind == Rule::Kind::only_regex) return true;
  return false;
}

bool ReplicationFilter::replicates(std::string_view relative_path, bool is_directory) const {
  if (rules_.empty()) return true;
  const std::string path = normalise(relative_path);
  if (path.empty()) return true;
  // Every ancestor is a directory the secondary must hold for this path to exist there.
  for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
    if (excluded_itself(std::string_view(path).substr(0, slash), true)) return false;
  return !excluded_itself(path, is_directory);
}

}  // namespace haven::replication_fs
