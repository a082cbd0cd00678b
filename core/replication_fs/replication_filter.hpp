// Which paths of a replicated directory are sent to the secondary: the <notreplicated>
// elements of a <replicated dir>. Pure: no file is touched.
//
//   path="rel"        that path and everything below it stay local;
//   regexpath="ERE"   a path whose relative name matches the POSIX extended regular expression
//                     (searched anywhere in the name, as regexec does: anchor with ^ and $)
//                     stays local, and so does everything below it;
//   regexpath="!ERE"  only files whose name matches are replicated; directories always are
//                     (they hold the files that match).
// A path below a directory that stays local stays local too: the secondary has no such folder.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/user_config.hpp"
#include "haven/result.hpp"

namespace haven::replication_fs {

class ReplicationFilter {
 public:
  /// Replicates everything.
  ReplicationFilter();
  ReplicationFilter(ReplicationFilter&&) noexcept;
  ReplicationFilter& operator=(ReplicationFilter&&) noexcept;
  ~ReplicationFilter();

  /// Builds the filter of one <replicated dir>. invalid_argument naming the element, its
  /// line in userconfig.xml (`where`, e.g. "userconfig.xml line 42") and the regcomp message
  /// when an expression does not compile; a path that is absolute or leaves the directory.
  static Result<ReplicationFilter> from_config(const std::vector<config::NotReplicated>& rules,
                                               const std::string& where);

  /// True when a change to `relative_path` ("a/b/c", no leading slash; "" is the replicated
  /// directory itself) must be sent to the secondary. `is_directory` says what the path names.
  /// Thread-safe (regexec on a compiled expression).
  bool replicates(std::string_view relative_path, bool is_directory) const;

  /// True when replicates() may answer differently for a file and a directory ("!ERE"), so
  /// the caller must find out which one a path names.
  bool depends_on_type() const;

 private:
  struct Rule;
  bool excluded_itself(std::string_view relative_path, bool is_directory) const;
  std::vector<std::unique_ptr<Rule>> rules_;
};

}  // namespace haven::replication_fs
