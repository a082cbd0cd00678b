#include "agent/resource_table.hpp"

#include <array>

namespace haven {
namespace {

constexpr std::array<const char*, 4> kHostClasses{"heartbeat", "rfs", "usersetting", "heart"};
constexpr std::array<const char*, 4> kUserValues{"init", "up", "down", "unknown"};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

}  // namespace

bool ResourceTable::is_host_owned(const std::string& name) {
  const auto cls = name.substr(0, name.find('.'));
  for (const char* c : kHostClasses)
    if (cls == c) return true;
  return false;
}

Status ResourceTable::check_name(const std::string& name) {
  const auto dot = name.find('.');
  bool chars_ok = true;
  for (char c : name) chars_ok = chars_ok && is_name_char(c);
  if (name.size() < 3 || name.size() > 128 || dot == std::string::npos || dot == 0 || dot + 1 == name.size() ||
      !chars_ok)
    return fail(Errc::invalid_argument, "resource name \"" + name +
                                            "\" is not valid: expected class.id (e.g. custom.database), 3 to 128 "
                                            "letters, digits, '_', '-' or '.'");
  return ok_status();
}

Result<bool> ResourceTable::set_by_user(const std::string& name, const std::string& value, const std::string& by,
                                        std::chrono::system_clock::time_point now) {
  if (auto st = check_name(name); !st.ok()) return std::move(st).error();
  if (is_host_owned(name))
    return fail(Errc::refused, "resource " + name + " is kept by haven itself (classes heartbeat, rfs, usersetting, "
                               "heart); set your own resources under another class, e.g. custom." +
                                   name.substr(name.find('.') + 1));
  bool known_value = false;
  for (const char* v : kUserValues) known_value = known_value || value == v;
  if (!known_value)
    return fail(Errc::invalid_argument,
                "value \"" + value + "\" for resource " + name + " is not valid: expected up, down, init or unknown");
  return assign(name, value, by.empty() ? "admin" : by, now);
}

bool ResourceTable::set_by_host(const std::string& name, const std::string& value,
                                std::chrono::system_clock::time_point now) {
  return assign(name, value, "haven", now);
}

bool ResourceTable::assign(const std::string& name, const std::string& value, const std::string& by,
                           std::chrono::system_clock::time_point now) {
  auto [it, inserted] = resources_.try_emplace(name, Resource{name, value, by, now});
  if (inserted) return true;
  it->second.set_by = by;
  if (it->second.value == value) return false;
  it->second.value = value;
  it->second.since = now;
  return true;
}

std::optional<Resource> ResourceTable::get(const std::string& name) const {
  auto it = resources_.find(name);
  if (it == resources_.end()) return std::nullopt;
  return it->second;
}

std::vector<Resource> ResourceTable::list() const {
  std::vector<Resource> out;
  for (const auto& [_, r] : resources_) out.push_back(r);
  return out;
}

}  // namespace haven
