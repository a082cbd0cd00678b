#include "model_queries.hpp"

#include <regex>
#include <sstream>

namespace haven::config::consumption {

// clang-query reads "\\." in a string as a plain backslash: "[.]" says "a dot" in any version.
const char* const kModelFieldsQuery =
    "set output dump\n"
    "match cxxRecordDecl(isDefinition(), unless(isImplicit()), "
    "isExpansionInFileMatching(\"core/config/user_config[.]hpp$\"))\n";

// IgnoreUnlessSpelledInSource leaves out what the compiler writes (an implicit copy
// constructor reads every field); uses inside core/config are the loader's own.
const char* const kFieldUsesQuery =
    "set traversal IgnoreUnlessSpelledInSource\n"
    "set output diag\n"
    "match memberExpr(member(fieldDecl(hasDeclContext(cxxRecordDecl("
    "isExpansionInFileMatching(\"core/config/user_config[.]hpp$\")))).bind(\"field\")), "
    "unless(isExpansionInFileMatching(\"/core/config/\"))).bind(\"use\")\n";

std::vector<ModelField> read_model_fields(const std::string& output, std::string& error) {
  // CXXRecordDecl 0x.. </work/main/core/config/user_config.hpp:30:1, line:36:1> line:30:8 referenced struct Heartbeat definition
  static const std::regex record(R"(^CXXRecordDecl 0x[0-9a-f]+ <.*> .*\b(?:struct|class) (\w+) definition$)");
  // |-FieldDecl 0x.. <line:31:3, col:15> col:15 referenced name 'std::string':'...'
  static const std::regex field(R"(^[|`]-FieldDecl 0x[0-9a-f]+ <(?:line:|[^<>]*user_config\.hpp:)(\d+):(\d+)[,>].*> col:\d+ (?:(?:referenced|used|invalid) )*(\w+) ')");
  std::vector<ModelField> out;
  std::string current;
  std::istringstream lines(output);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, record)) {
      current = m[1];
    } else if (line.rfind("|-FieldDecl", 0) == 0 || line.rfind("`-FieldDecl", 0) == 0) {
      if (current.empty() || !std::regex_search(line, m, field)) {
        error = "cannot read this field declaration of user_config.hpp (expected \"FieldDecl <line:L:C, ...> col:N "
                "NAME 'TYPE'\" inside a struct): " + line;
        return {};
      }
      out.push_back(ModelField{current + "::" + m[3].str(), m[1].str() + ":" + m[2].str()});
    }
  }
  if (out.empty()) error = "clang-query found no field in core/config/user_config.hpp";
  return out;
}

std::vector<FieldUse> read_field_uses(const std::string& output, std::string& error) {
  static const std::regex binds(R"re(^(.*):(\d+):(\d+): note: "(field|use)" binds here$)re");
  std::vector<FieldUse> out;
  std::string declared_at;
  std::istringstream lines(output);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (line.rfind("Match #", 0) == 0) declared_at.clear();
    if (!std::regex_match(line, m, binds)) continue;
    if (m[4] == "field") {
      declared_at = m[2].str() + ":" + m[3].str();
    } else if (declared_at.empty()) {
      error = "a use without its field in clang-query's output: " + line;
      return {};
    } else {
      out.push_back(FieldUse{declared_at, m[1].str() + ":" + m[2].str() + ":" + m[3].str()});
    }
  }
  return out;
}

}  // namespace haven::config::consumption
