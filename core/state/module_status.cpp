#include "state/module_status.hpp"

#include <limits>
#include <type_traits>
#include <utility>

namespace haven {
namespace {

using nlohmann::json;

constexpr ModuleState kStates[] = {ModuleState::stop,  ModuleState::wait,   ModuleState::alone,
                                   ModuleState::prim,  ModuleState::second, ModuleState::up};
constexpr SubState kSubStates[] = {SubState::ready, SubState::transient, SubState::not_ready};
constexpr Role kRoles[] = {Role::none, Role::prim, Role::second};

// What a value looks like in a message: short, so that a huge wrong value does not flood it.
std::string shown(const json& value) {
  auto text = value.dump();
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

// Reads the fields of one JSON object, keeping the first error: a reader goes through every
// field and the caller looks at error() once. `path` names the object ("vips[0]") in messages.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path, std::optional<Error>& first_error)
      : object_(object), path_(std::move(path)), error_(first_error) {}

  std::string text(const char* key) { return take<std::string>(key, true, "a string").value_or(""); }
  std::optional<std::string> optional_text(const char* key) { return take<std::string>(key, false, "a string"); }
  bool boolean(const char* key) { return take<bool>(key, true, "true or false").value_or(false); }
  std::optional<bool> optional_boolean(const char* key) { return take<bool>(key, false, "true or false"); }
  std::int64_t integer(const char* key) { return take<std::int64_t>(key, true, "an integer").value_or(0); }
  std::optional<std::int64_t> optional_integer(const char* key) {
    return take<std::int64_t>(key, false, "an integer");
  }
  int small_integer(const char* key) { return take<int>(key, true, "an integer").value_or(0); }
  std::optional<int> optional_small_integer(const char* key) { return take<int>(key, false, "an integer"); }
  std::uint64_t count(const char* key) {
    return take<std::uint64_t>(key, true, "a non-negative integer").value_or(0);
  }
  std::optional<std::uint64_t> optional_count(const char* key) {
    return take<std::uint64_t>(key, false, "a non-negative integer");
  }

  /// The array under `key`, or null (and an error when required) when it is missing or no array.
  const json* array(const char* key, bool required) { return container(key, required, true); }
  /// The object under `key`, likewise.
  const json* object(const char* key, bool required) { return container(key, required, false); }

  /// One of `names`' values, by its text; nullopt (and an error when required) otherwise.
  template <typename Enum, std::size_t N>
  std::optional<Enum> name(const char* key, const Enum (&names)[N], bool required) {
    auto text = take<std::string>(key, required, expected_names(names).c_str());
    if (!text) return std::nullopt;
    for (auto candidate : names)
      if (*text == to_string(candidate)) return candidate;
    wrong(key, json(*text), expected_names(names));
    return std::nullopt;
  }

  std::string path_of(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  void wrong(const char* key, const json& got, const std::string& expected) {
    if (!error_) error_ = fail(Errc::parse_error, "field " + path_of(key) + " is " + shown(got) + ", expected " + expected);
  }
  void missing(const char* key, const std::string& expected) {
    if (!error_) error_ = fail(Errc::parse_error, "field " + path_of(key) + " is missing, expected " + expected);
  }

 private:
  template <typename Enum, std::size_t N>
  static std::string expected_names(const Enum (&names)[N]) {
    std::string all;
    for (std::size_t i = 0; i < N; ++i)
      all += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + "\"" + to_string(names[i]) + "\"";
    return all;
  }

  template <typename T>
  std::optional<T> take(const char* key, bool required, const char* expected) {
    const auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) missing(key, expected);
      return std::nullopt;
    }
    const json& v = *it;
    if constexpr (std::is_same_v<T, std::string>) {
      if (v.is_string()) return v.get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (v.is_boolean()) return v.get<bool>();
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      // Parsed text holds 3 as unsigned, a document built in C++ as signed: both are a count.
      if (v.is_number_unsigned()) return v.get<std::uint64_t>();
      if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
    } else {
      // Signed: compared whole, so that 4294967297 is refused as an int rather than read as 1.
      if (v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        return static_cast<T>(v.get<std::uint64_t>());
      if (v.is_number_integer() && !v.is_number_unsigned()) {
        const auto n = v.get<std::int64_t>();
        if (n >= std::numeric_limits<T>::min() && n <= std::numeric_limits<T>::max()) return static_cast<T>(n);
      }
    }
    wrong(key, v, expected);
    return std::nullopt;
  }

  const json* container(const char* key, bool required, bool want_array) {
    const char* expected = want_array ? "an array" : "an object";
    const auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) missing(key, expected);
      return nullptr;
    }
    if (want_array ? it->is_array() : it->is_object()) return &*it;
    wrong(key, *it, expected);
    return nullptr;
  }

  const json& object_;
  std::string path_;
  std::optional<Error>& error_;
};

// Reads every element of an array with `read`, naming each "key[i]" in messages.
template <typename T, typename ReadOne>
std::vector<T> read_each(const json& list, const std::string& key, std::optional<Error>& error, ReadOne read) {
  std::vector<T> items;
  for (std::size_t i = 0; i < list.size() && !error; ++i) {
    const std::string path = key + "[" + std::to_string(i) + "]";
    if (!list[i].is_object()) {
      error = fail(Errc::parse_error, "field " + path + " is " + shown(list[i]) + ", expected an object");
      break;
    }
    FieldReader fields(list[i], path, error);
    items.push_back(read(fields));
  }
  return items;
}

VipStatus read_vip(FieldReader& f) {
  VipStatus v;
  v.address = f.text("address");
  v.prefix = f.small_integer("prefix");
  v.interface = f.text("interface");
  v.label = f.text("label");
  v.written = f.text("written");
  return v;
}

ResourceStatus read_resource(FieldReader& f) {
  ResourceStatus r;
  r.resource = f.text("resource");
  r.value = f.text("value");
  r.set_by = f.text("set_by");
  r.since_ms = f.integer("since_ms");
  return r;
}

CheckerStatus read_checker(FieldReader& f) {
  CheckerStatus c;
  c.resource = f.text("resource");
  c.plugin = f.text("plugin");
  c.kind = f.text("kind");
  c.running = f.boolean("running");
  c.value = f.text("value");
  c.line = f.small_integer("line");
  c.interval_ms = f.optional_integer("interval_ms");
  c.program = f.optional_text("program");
  c.starts = f.optional_integer("starts");
  c.witnesses = f.optional_text("witnesses");
  c.probing = f.optional_boolean("probing");
  c.holding = f.optional_boolean("holding");
  return c;
}

LoadShareStatus read_load_share(FieldReader& f, std::optional<Error>& error) {
  LoadShareStatus s;
  s.group = f.text("group");
  s.owned = f.count("owned");
  s.buckets = f.count("buckets");
  if (const json* members = f.array("members", true)) {
    for (std::size_t i = 0; i < members->size() && !error; ++i) {
      const auto& name = (*members)[i];
      if (!name.is_string()) {
        error = fail(Errc::parse_error, "field " + f.path_of("members") + "[" + std::to_string(i) + "] is " +
                                            shown(name) + ", expected a node's name (a string)");
        break;
      }
      s.members.push_back(name.get<std::string>());
    }
  }
  return s;
}

std::map<std::string, std::string> read_peer_resources(const json& object, std::optional<Error>& error) {
  std::map<std::string, std::string> values;
  for (const auto& [name, value] : object.items()) {
    if (!value.is_string()) {
      if (!error)
        error = fail(Errc::parse_error, "field peer_resources." + name + " is " + shown(value) + ", expected a string");
      break;
    }
    values[name] = value.get<std::string>();
  }
  return values;
}

}  // namespace

std::optional<ModuleState> module_state_from_string(std::string_view text) {
  for (auto s : kStates)
    if (text == to_string(s)) return s;
  return std::nullopt;
}

std::optional<SubState> sub_state_from_string(std::string_view text) {
  for (auto s : kSubStates)
    if (text == to_string(s)) return s;
  return std::nullopt;
}

std::optional<Role> role_from_name(std::string_view text) {
  for (auto r : kRoles)
    if (text == to_string(r)) return r;
  return std::nullopt;
}

json to_json(const VipStatus& vip) {
  return json{{"address", vip.address},
              {"prefix", vip.prefix},
              {"interface", vip.interface},
              {"label", vip.label},
              {"written", vip.written}};
}

json to_json(const ResourceStatus& resource) {
  return json{{"resource", resource.resource},
              {"value", resource.value},
              {"set_by", resource.set_by},
              {"since_ms", resource.since_ms}};
}

json to_json(const CheckerStatus& checker) {
  json j{{"resource", checker.resource}, {"plugin", checker.plugin}, {"kind", checker.kind},
         {"running", checker.running},   {"value", checker.value},   {"line", checker.line}};
  if (checker.interval_ms) j["interval_ms"] = *checker.interval_ms;
  if (checker.program) j["program"] = *checker.program;
  if (checker.starts) j["starts"] = *checker.starts;
  if (checker.witnesses) j["witnesses"] = *checker.witnesses;
  if (checker.probing) j["probing"] = *checker.probing;
  if (checker.holding) j["holding"] = *checker.holding;
  return j;
}

json to_json(const std::vector<CheckerStatus>& checkers) {
  json list = json::array();
  for (const auto& c : checkers) list.push_back(to_json(c));
  return list;
}

json to_json(const LoadShareStatus& share) {
  return json{{"group", share.group}, {"owned", share.owned}, {"buckets", share.buckets}, {"members", share.members}};
}

json to_json(const ModuleStatus& s) {
  json j{{"module", s.module},
         {"node", s.node},
         {"state", to_string(s.state)},
         {"substate", to_string(s.substate)},
         {"reason", s.reason}};
  if (s.uptodate) j["uptodate"] = *s.uptodate;
  if (s.role) j["role"] = to_string(*s.role);
  if (s.generation) j["generation"] = *s.generation;
  if (s.failover) j["failover"] = *s.failover;
  if (s.pid) j["pid"] = *s.pid;
  if (s.starts) j["starts"] = *s.starts;
  if (s.hook) j["hook"] = *s.hook;
  auto array_of = [](const auto& items) {
    json list = json::array();
    for (const auto& item : items) list.push_back(to_json(item));
    return list;
  };
  if (s.vips) j["vips"] = array_of(*s.vips);
  if (s.load) j["load"] = array_of(*s.load);
  if (s.resources) j["resources"] = array_of(*s.resources);
  if (s.peer_resources) j["peer_resources"] = *s.peer_resources;
  if (s.checkers) j["checkers"] = to_json(*s.checkers);
  if (s.replication) j["replication"] = *s.replication;
  if (s.id) j["id"] = *s.id;
  if (s.error) j["error"] = *s.error;
  return j;
}

Result<ModuleStatus> module_status_from_json(const json& j, StatusFields fields) {
  if (!j.is_object()) return fail(Errc::parse_error, "a module status must be a JSON object, got " + shown(j));
  const bool complete = fields == StatusFields::complete;
  std::optional<Error> error;
  FieldReader f(j, "", error);
  ModuleStatus s;
  s.module = complete ? f.text("module") : f.optional_text("module").value_or("");
  s.node = complete ? f.text("node") : f.optional_text("node").value_or("");
  s.state = f.name("state", kStates, true).value_or(ModuleState::stop);
  s.substate = f.name("substate", kSubStates, true).value_or(SubState::not_ready);
  s.reason = complete ? f.text("reason") : f.optional_text("reason").value_or("");
  s.pid = f.optional_integer("pid");
  // An agent answered: it always tells all of these. Without one, havend tells what the
  // knowledge file says, or why it could not read it.
  s.error = f.optional_text("error");
  const bool knowledge_required = complete && (s.pid.has_value() || !s.error.has_value());
  if (knowledge_required) {
    s.uptodate = f.boolean("uptodate");
    s.role = f.name("role", kRoles, true);
    s.generation = f.count("generation");
  } else {
    s.uptodate = f.optional_boolean("uptodate");
    s.role = f.name("role", kRoles, false);
    s.generation = f.optional_count("generation");
  }
  const bool from_agent = complete && s.pid.has_value();
  s.failover = from_agent ? std::optional<bool>(f.boolean("failover")) : f.optional_boolean("failover");
  s.starts = f.optional_count("starts");
  s.hook = f.optional_text("hook");
  s.id = f.optional_small_integer("id");
  if (const json* vips = f.array("vips", from_agent)) s.vips = read_each<VipStatus>(*vips, "vips", error, read_vip);
  if (const json* load = f.array("load", false))
    s.load = read_each<LoadShareStatus>(*load, "load", error,
                                        [&error](FieldReader& share) { return read_load_share(share, error); });
  if (const json* resources = f.array("resources", from_agent))
    s.resources = read_each<ResourceStatus>(*resources, "resources", error, read_resource);
  if (const json* peer = f.object("peer_resources", false)) s.peer_resources = read_peer_resources(*peer, error);
  if (const json* checkers = f.array("checkers", from_agent))
    s.checkers = read_each<CheckerStatus>(*checkers, "checkers", error, read_checker);
  if (const json* replication = f.object("replication", false)) s.replication = *replication;
  if (error) {
    const std::string whose = s.module.empty() ? "a module status" : "the status of module " + s.module +
                                                                        (s.node.empty() ? "" : " on node " + s.node);
    return fail(Errc::parse_error, whose + ": " + error->message);
  }
  return s;
}

Result<std::vector<ModuleStatus>> module_statuses_from_json(const json& list) {
  if (!list.is_array())
    return fail(Errc::parse_error, "havend's answer to state must be a JSON array of module statuses, got " + shown(list));
  std::vector<ModuleStatus> statuses;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto status = module_status_from_json(list[i]);
    if (!status.ok())
      return fail(Errc::parse_error, "havend's answer to state, entry " + std::to_string(i + 1) + ": " +
                                         status.error().message);
    statuses.push_back(std::move(status).value());
  }
  return statuses;
}

}  // namespace haven
