// What clang-query is asked about the configuration model, and how its answers are read: the
// fields each struct of user_config.hpp declares, and every place outside core/config that
// reads one (a member access, resolved by the compiler's own name lookup, so `.name` of a
// ConfigNode is never taken for `.name` of a Heartbeat).
#pragma once

#include <string>
#include <vector>

namespace haven::config::consumption {

/// Dumps every struct defined in user_config.hpp, with its fields.
extern const char* const kModelFieldsQuery;
/// Every member access to a field of those structs, outside core/config and outside code the
/// compiler writes itself (copy constructors), with the field's declaration and the access.
extern const char* const kFieldUsesQuery;

/// A field of the model: "RfsConfig::locktimeout", declared at "129:3" (line:column).
struct ModelField {
  std::string name;
  std::string declared_at;
};

/// The fields in the output of kModelFieldsQuery, in declaration order. A line that names a
/// field but cannot be read is an error (`error` says which), never skipped.
std::vector<ModelField> read_model_fields(const std::string& output, std::string& error);

/// One read of a model field: the field's declaration ("129:3") and the access
/// ("/work/main/core/vip/vip_plan.cpp:46:25").
struct FieldUse {
  std::string declared_at;
  std::string used_at;
};

/// The uses in the output of kFieldUsesQuery.
std::vector<FieldUse> read_field_uses(const std::string& output, std::string& error);

}  // namespace haven::config::consumption
