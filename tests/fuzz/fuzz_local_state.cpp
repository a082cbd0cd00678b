// The state files a node reads when it starts, with hostile contents: cluster.key
// (load_cluster_key), the module registry modules.json (load_module_registry), a module's
// knowledge file (load_knowledge), an agent's .state record (load_agent_state), a module's
// virtual IP record (vip::load_vip_record) and its checker settings (load_checker_settings).
//
// Byte 0 picks the file: bits 0-2 the kind (modulo 6); bit 3 gives cluster.key mode 0640
// instead of 0600; bit 4 with nothing after it: the file is absent. The rest is written to
// that file in a scratch folder in /dev/shm and the loader is called.
//
// Checked: no crash or sanitizer report (deep JSON nesting included: the corpus holds a
// record nested 200 000 levels deep, tried with -max_len=1048576); a refusal names the file;
// what is accepted is exactly what the file says, read again independently here (same key
// bytes from the one key line of 64 hex digits in a file only its owner may read; registry ids
// equal to the file's integers, not truncated; a knowledge file of format 1 exactly; virtual
// IPs with integer prefixes within the address's length; checker settings "on"/"off"), never
// a half-read or converted record; an absent file gives the documented default; an agent's
// record gives a state name or "UNKNOWN", nothing else.
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>

#include "checks/checker_settings_store.hpp"
#include "fuzz_check.hpp"
#include "haven/behaviour.hpp"
#include "heartbeat/cluster_key.hpp"
#include "module_store/module_name.hpp"
#include "module_store/module_registry.hpp"
#include "state/agent_state_record.hpp"
#include "state/node_knowledge_store.hpp"
#include "vip/ip_prefix.hpp"
#include "vip/vip_record.hpp"

namespace fs = std::filesystem;
using namespace haven;
using nlohmann::json;

namespace {

const fs::path& work_folder() {
  // On the heap and never destroyed: the clean-up registered with atexit runs after the
  // static objects are destroyed (a static path would be gone by then).
  static const fs::path* folder = [] {
    std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
    std::string pattern = base + "/haven-fuzz-state-XXXXXX";
    HAVEN_FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "cannot make a work folder in " + base);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(work_folder(), ec);
    });
    return new fs::path(pattern);
  }();
  return *folder;
}

void check_names_file(const Error& e, const fs::path& file) {
  HAVEN_FUZZ_CHECK(e.message.find(file.string()) != std::string::npos, "a refusal that does not name the file: " + e.message);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The key the file holds, read independently: one non-comment line of 64 hex digits.
std::optional<ClusterKey> reference_key(const std::string& text) {
  std::optional<std::string> key_line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const auto line = trim(std::string_view(text).substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (key_line) return std::nullopt;
    key_line = std::string(line);
  }
  if (!key_line || key_line->size() != 2 * ClusterKey::kSize) return std::nullopt;
  ClusterKey key;
  for (std::size_t i = 0; i < ClusterKey::kSize; ++i) {
    const int hi = hex_value((*key_line)[2 * i]), lo = hex_value((*key_line)[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    key.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return key;
}

void check_cluster_key(const fs::path& file, const std::string& text, bool present, bool group_readable) {
  auto key = load_cluster_key(file);
  if (!key.ok()) {
    check_names_file(key.error(), file);
    return;
  }
  HAVEN_FUZZ_CHECK(present && !group_readable, "a key accepted from a missing or group-readable file");
  const auto expected = reference_key(text);
  HAVEN_FUZZ_CHECK(expected.has_value(), "a key accepted from a file without exactly one line of 64 hex digits");
  HAVEN_FUZZ_CHECK(expected->bytes == key->bytes, "the key accepted is not the one in the file");
}

void check_registry(const fs::path& file, const std::string& text, bool present) {
  auto registry = load_module_registry(file);
  if (!registry.ok()) {
    check_names_file(registry.error(), file);
    return;
  }
  if (!present) {
    HAVEN_FUZZ_CHECK(registry->ids.empty(), "modules from a missing registry");
    return;
  }
  json doc = json::parse(text, nullptr, false);
  HAVEN_FUZZ_CHECK(!doc.is_discarded() && doc.is_object() && doc.contains("modules") && doc["modules"].is_object(),
                   "a registry accepted without a \"modules\" object");
  HAVEN_FUZZ_CHECK(registry->ids.size() == doc["modules"].size(), "modules went missing or appeared");
  for (const auto& [name, id] : registry->ids) {
    HAVEN_FUZZ_CHECK(check_module_name(name).ok(), "an invalid module name accepted: " + name);
    json& entry = doc["modules"][name];
    HAVEN_FUZZ_CHECK(entry.is_object() && entry.contains("id") && entry["id"].is_number_integer(), "a module without an integer id");
    const bool exact = entry["id"].is_number_unsigned() ? entry["id"].get<std::uint64_t>() == static_cast<std::uint64_t>(id)
                                                        : entry["id"].get<std::int64_t>() == id;
    HAVEN_FUZZ_CHECK(exact, "module " + name + " has id " + entry["id"].dump() + " in the file, " + std::to_string(id) + " as read");
  }
}

void check_knowledge(const fs::path& file, const std::string& text, bool present) {
  auto known = load_knowledge(file);
  if (!known.ok()) {
    check_names_file(known.error(), file);
    return;
  }
  if (!present) {
    HAVEN_FUZZ_CHECK(!known->data_uptodate && known->last_role == Role::none && known->generation == 0, "a missing file is not the default");
    return;
  }
  json doc = json::parse(text, nullptr, false);
  HAVEN_FUZZ_CHECK(!doc.is_discarded() && doc.is_object(), "knowledge accepted from something that is not a JSON object");
  json& format = doc["format"];
  const bool format_one = format.is_number_unsigned() ? format.get<std::uint64_t>() == 1
                                                      : format.is_number_integer() && format.get<std::int64_t>() == 1;
  HAVEN_FUZZ_CHECK(format_one, "knowledge accepted with \"format\" " + format.dump() + ", not 1");
  HAVEN_FUZZ_CHECK(doc["data_uptodate"].is_boolean() && doc["data_uptodate"].get<bool>() == known->data_uptodate, "data_uptodate differs");
  HAVEN_FUZZ_CHECK(doc["last_role"].is_string() && doc["last_role"].get<std::string>() == to_string(known->last_role), "last_role differs");
  HAVEN_FUZZ_CHECK(doc["generation"].is_number_unsigned() && doc["generation"].get<std::uint64_t>() == known->generation, "generation differs");
}

void check_agent_state(const fs::path& file, bool present) {
  static const std::set<std::string> names = {"STOP", "WAIT", "ALONE", "PRIM", "SECOND", "UP", "UNKNOWN"};
  auto state = load_agent_state(file);
  if (!present) {
    HAVEN_FUZZ_CHECK(!state.has_value(), "a state from a missing record");
    return;
  }
  HAVEN_FUZZ_CHECK(state.has_value(), "a record that exists read as no record");
  HAVEN_FUZZ_CHECK(names.contains(*state), "an agent's record read as the state '" + *state + "'");
}

void check_vip_record(const fs::path& file, const std::string& text, bool present) {
  auto record = vip::load_vip_record(file);
  if (!record.ok()) {
    check_names_file(record.error(), file);
    return;
  }
  if (!present) {
    HAVEN_FUZZ_CHECK(record->empty(), "addresses from a missing record");
    return;
  }
  json doc = json::parse(text, nullptr, false);
  HAVEN_FUZZ_CHECK(!doc.is_discarded() && doc.is_object() && doc.contains("addresses") && doc["addresses"].is_array(),
                   "a record accepted without an \"addresses\" list");
  HAVEN_FUZZ_CHECK(doc["addresses"].size() == record->size(), "addresses went missing or appeared");
  for (std::size_t i = 0; i < record->size(); ++i) {
    json& entry = doc["addresses"][i];
    const auto& a = (*record)[i];
    HAVEN_FUZZ_CHECK(entry["interface"].is_string() && entry["interface"].get<std::string>() == a.interface, "the interface differs");
    HAVEN_FUZZ_CHECK(entry["address"].is_string() && vip::parse_ip_address(entry["address"].get<std::string>()) == a.prefix.address,
                     "the address differs");
    json& prefix = entry["prefix"];
    HAVEN_FUZZ_CHECK(prefix.is_number_integer() && !prefix.is_number_float(), "prefix " + prefix.dump() + " accepted as " +
                                                                                   std::to_string(a.prefix.length));
    const bool exact = prefix.is_number_unsigned() ? prefix.get<std::uint64_t>() == static_cast<std::uint64_t>(a.prefix.length)
                                                   : prefix.get<std::int64_t>() == a.prefix.length;
    HAVEN_FUZZ_CHECK(exact && a.prefix.length >= 0 && a.prefix.length <= vip::host_prefix_length(a.prefix.address),
                     "prefix " + prefix.dump() + " read as " + std::to_string(a.prefix.length));
    HAVEN_FUZZ_CHECK(!entry.contains("label") || (entry["label"].is_string() && entry["label"].get<std::string>() == a.label),
                     "the label differs");
  }
}

void check_checker_settings(const fs::path& file, const std::string& text, bool present) {
  auto settings = checks::load_checker_settings(file);
  if (!settings.ok()) {
    check_names_file(settings.error(), file);
    return;
  }
  if (!present) {
    HAVEN_FUZZ_CHECK(settings->checkers_on && settings->errd_on, "a missing file does not leave both on");
    return;
  }
  json doc = json::parse(text, nullptr, false);
  HAVEN_FUZZ_CHECK(!doc.is_discarded() && doc.is_object(), "settings accepted from something that is not a JSON object");
  auto expected = [&](const char* key) { return !doc.contains(key) || doc[key] == "on"; };
  // operator[] on a missing key inserts null: only after contains().
  for (const char* key : {"checker", "errd"})
    HAVEN_FUZZ_CHECK(!doc.contains(key) || doc[key] == "on" || doc[key] == "off", std::string("\"") + key + "\" accepted as " + doc[key].type_name());
  HAVEN_FUZZ_CHECK(expected("checker") == settings->checkers_on && expected("errd") == settings->errd_on, "the settings differ from the file");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int kind = (data[0] & 7) % 6;
  const bool group_readable = (data[0] & 8) != 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool present = !((data[0] & 16) != 0 && text.empty());
  static const char* const names[6] = {"cluster.key", "modules.json", "web.json", "web.state", "vip-web.json", "checker_settings.json"};
  const fs::path file = work_folder() / names[kind];
  std::error_code ec;
  fs::remove(file, ec);
  if (present) {
    {
      std::ofstream out(file, std::ios::binary);
      out.write(text.data(), static_cast<std::streamsize>(text.size()));
    }
    ::chmod(file.c_str(), group_readable ? 0640 : 0600);
  }
  switch (kind) {
    case 0: check_cluster_key(file, text, present, group_readable); break;
    case 1: check_registry(file, text, present); break;
    case 2: check_knowledge(file, text, present); break;
    case 3: check_agent_state(file, present); break;
    case 4: check_vip_record(file, text, present); break;
    case 5: check_checker_settings(file, text, present); break;
  }
  return 0;
}
