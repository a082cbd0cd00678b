#include "hooks/hook_files.hpp"

#include <unistd.h>

#include <system_error>

namespace haven {
namespace {

bool is_runnable_candidate(const std::filesystem::path& file, bool needs_exec_bit) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return false;
  return !needs_exec_bit || ::access(file.c_str(), X_OK) == 0;
}

}  // namespace

Result<std::optional<std::filesystem::path>> find_hook(const std::filesystem::path& bin_dir,
                                                       const std::string& hook,
                                                       const std::vector<std::string>& extensions) {
  if (hook.empty() || hook.find('/') != std::string::npos)
    return fail(Errc::invalid_argument, "hook name '" + hook + "' is not a plain file name (in " +
                                            bin_dir.string() + ")");
  std::vector<std::filesystem::path> found;
  for (const auto& ext : extensions) {
    auto candidate = bin_dir / (hook + ext);
    if (is_runnable_candidate(candidate, ext.empty())) found.push_back(candidate);
  }
  if (found.empty()) return std::optional<std::filesystem::path>{};
  if (found.size() > 1) {
    std::string names;
    for (const auto& f : found) names += (names.empty() ? "" : " and ") + f.string();
    return fail(Errc::invalid_argument,
                "hook " + hook + " exists in more than one language: " + names +
                    "; keep only one of them so that haven knows which to run");
  }
  return std::optional<std::filesystem::path>{found.front()};
}

const std::vector<std::string>& module_hook_names() {
  static const std::vector<std::string> names{
      "prestart", "start_prim", "stop_prim",  "start_second", "stop_second", "start_both", "stop_both",
      "start_sec", "stop_sec",  "poststop",   "transition",   "update",      "config",     "postconfig",
      "deconfig", "confcheck",  "state",      "level"};
  return names;
}

Status refuse_hooks_in_several_languages(const std::filesystem::path& bin_dir,
                                         const std::vector<std::string>& extensions) {
  std::string problems;
  for (const auto& hook : module_hook_names()) {
    auto found = find_hook(bin_dir, hook, extensions);
    if (!found.ok()) problems += (problems.empty() ? "" : "\n") + found.error().message;
  }
  if (problems.empty()) return ok_status();
  return fail(Errc::invalid_argument, std::move(problems));
}

}  // namespace haven
