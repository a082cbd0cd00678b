#include "module_store/dated_archive_names.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string_view>

namespace haven {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// The ordering key of an archive name: the stamp, then the sequence as a number (so that
// _10 comes after _9); the name without a sequence is the first of its second.
struct StampKey {
  std::string stamp;
  long sequence = 0;
  bool operator<(const StampKey& o) const { return stamp != o.stamp ? stamp < o.stamp : sequence < o.sequence; }
};

StampKey key_of(const std::string& module, const std::string& name) {
  // MODULE_ + YYYYMMDD_HHMMSS [ _NN ] .safe
  std::string_view rest(name);
  rest.remove_prefix(module.size() + 1);
  rest.remove_suffix(5);
  StampKey key{std::string(rest.substr(0, 15)), 0};
  if (rest.size() > 15) key.sequence = std::stol(std::string(rest.substr(16)));
  return key;
}

}  // namespace

std::string dated_archive_name(const std::string& module, std::chrono::system_clock::time_point at, int sequence) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &utc);
  std::string name = module + "_" + stamp;
  if (sequence > 0) {
    char seq[16];
    std::snprintf(seq, sizeof seq, "_%02d", sequence);
    name += seq;
  }
  return name + ".safe";
}

std::string next_dated_archive_name(const std::string& module, std::chrono::system_clock::time_point at,
                                    const std::vector<std::string>& file_names) {
  const auto first = dated_archive_name(module, at);
  const auto stamp = key_of(module, first).stamp;
  long next = 0;
  for (const auto& n : file_names) {
    if (!is_dated_archive_of(module, n)) continue;
    const auto key = key_of(module, n);
    if (key.stamp == stamp) next = std::max(next, key.sequence + 1);
  }
  return dated_archive_name(module, at, static_cast<int>(next));
}

bool is_dated_archive_of(const std::string& module, const std::string& file_name) {
  std::string_view name(file_name);
  if (module.empty() || !name.starts_with(module + "_") || !name.ends_with(".safe")) return false;
  name.remove_prefix(module.size() + 1);
  name.remove_suffix(5);
  // YYYYMMDD_HHMMSS, then maybe _NN (1 to 6 digits).
  if (name.size() < 15 || !all_digits(name.substr(0, 8)) || name[8] != '_' || !all_digits(name.substr(9, 6)))
    return false;
  if (name.size() == 15) return true;
  return name[15] == '_' && name.size() <= 22 && all_digits(name.substr(16));
}

std::vector<std::string> dated_archives_beyond(const std::string& module, std::vector<std::string> file_names,
                                               std::size_t keep) {
  std::erase_if(file_names, [&](const std::string& n) { return !is_dated_archive_of(module, n); });
  std::sort(file_names.begin(), file_names.end(), [&](const std::string& a, const std::string& b) {
    return key_of(module, a) < key_of(module, b);
  });
  if (file_names.size() <= keep) return {};
  file_names.resize(file_names.size() - keep);
  return file_names;
}

}  // namespace haven
