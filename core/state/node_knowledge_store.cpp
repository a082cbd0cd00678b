#include "state/node_knowledge_store.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "common/atomic_file.hpp"

namespace haven {
namespace {

// Bumped when the file's meaning changes; an older haven refuses a newer file rather than
// misreading it.
constexpr int kFormatVersion = 1;

Error corrupt(const std::filesystem::path& file, const std::string& what) {
  return fail(Errc::invalid_argument,
              "knowledge file " + file.string() + " is not valid: " + what +
                  "; this node cannot tell whether its data is up to date. Restore the file, or "
                  "remove it and run 'haven prim' on the node whose data is good");
}

Result<Role> role_from_string(const std::string& text) {
  if (text == "none") return Role::none;
  if (text == "prim") return Role::prim;
  if (text == "second") return Role::second;
  return fail(Errc::invalid_argument, "\"last_role\" is \"" + text + "\", expected \"none\", \"prim\" or \"second\"");
}

}  // namespace

Result<NodeKnowledge> load_knowledge(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec) && !ec) return NodeKnowledge{};
  auto text = read_file(file);
  if (!text.ok()) return std::move(text).error();

  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(Errc::parse_error, "knowledge file " + file.string() + " is not valid JSON (byte " +
                                       std::to_string(e.byte) + "): " + e.what() +
                                       "; this node cannot tell whether its data is up to date. "
                                       "Restore the file, or remove it and run 'haven prim' on the node "
                                       "whose data is good");
  }
  if (!doc.is_object()) return corrupt(file, "expected a JSON object, found " + std::string(doc.type_name()));

  auto version = doc.find("format");
  if (version == doc.end() || !version->is_number_integer())
    return corrupt(file, "\"format\" must be an integer (expected " + std::to_string(kFormatVersion) + ")");
  // Compared whole: get<int>() would read 4294967297 as 1.
  if (version->get<std::int64_t>() != kFormatVersion)
    return corrupt(file, "\"format\" is " + version->dump() + ", this haven reads format " + std::to_string(kFormatVersion));

  NodeKnowledge known;
  auto uptodate = doc.find("data_uptodate");
  if (uptodate == doc.end() || !uptodate->is_boolean())
    return corrupt(file, "\"data_uptodate\" must be true or false");
  known.data_uptodate = uptodate->get<bool>();

  auto role = doc.find("last_role");
  if (role == doc.end() || !role->is_string()) return corrupt(file, "\"last_role\" must be a string");
  auto parsed_role = role_from_string(role->get<std::string>());
  if (!parsed_role.ok()) return corrupt(file, parsed_role.error().message);
  known.last_role = *parsed_role;

  auto generation = doc.find("generation");
  if (generation == doc.end() || !generation->is_number_unsigned())
    return corrupt(file, "\"generation\" must be a non-negative integer");
  known.generation = generation->get<std::uint64_t>();
  return known;
}

Status save_knowledge(const std::filesystem::path& file, const NodeKnowledge& known) {
  nlohmann::json doc{{"format", kFormatVersion},
                     {"data_uptodate", known.data_uptodate},
                     {"last_role", to_string(known.last_role)},
                     {"generation", known.generation}};
  auto st = write_file_atomically(file, doc.dump(2) + "\n", 0644);
  if (!st.ok())
    return fail(st.error().code, "cannot save what this node knows of its data to " + file.string() + ": " +
                                     st.error().message);
  return ok_status();
}

}  // namespace haven
