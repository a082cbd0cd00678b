// haven SDK: how a shared library declares itself a haven plugin.
//
// A plugin exports exactly one C function, `haven_plugin_entry`, returning a pointer to a
// static, plain descriptor. The host reads the descriptor's ABI numbers and toolchain tag
// *before* it calls any C++ code of the plugin, and refuses a mismatch naming the file.
// Then it calls `create` to make objects; each object keeps the library loaded until it is
// destroyed. No exception crosses the boundary: HAVEN_PLUGIN wraps the factory.
//
//   std::unique_ptr<haven::PluginObject> make(haven::HostContext& host) {
//     return std::make_unique<MyScriptEngine>(host);
//   }
//   HAVEN_PLUGIN(haven::kKindScriptEngine, "haven.script.my", "1.0.0", "Runs my scripts", make)
//
// A checker plugin's factory makes a haven::CheckerFactory (checker.hpp), which owns its
// configuration element and makes the checkers.
#pragma once

#include <boost/config.hpp>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "haven/abi.hpp"
#include "haven/host_context.hpp"
#include "haven/result.hpp"

namespace haven {

/// Base of every object a plugin makes. The object's kind (the descriptor's `kind`)
/// says which SDK interface it implements; the host converts to that interface only.
class PluginObject {
 public:
  virtual ~PluginObject() = default;
};

/// Kind names, as written in descriptors and shown by `haven plugins list`.
inline constexpr const char* kKindBehaviour = "behaviour";      ///< implements haven::Behaviour
inline constexpr const char* kKindChecker = "checker";          ///< implements haven::CheckerFactory
inline constexpr const char* kKindScriptEngine = "script";      ///< implements haven::ScriptEngine
inline constexpr const char* kKindApplication = "application";  ///< implements haven::Application

/// The factory's signature: makes one object from the host's context. Called by the host
/// only after the descriptor matched; never throws (HAVEN_PLUGIN catches).
/// On success the host owns the returned object and deletes it through PluginObject.
using PluginFactory = Result<PluginObject*> (*)(HostContext& host) noexcept;

}  // namespace haven

extern "C" {

/// The plain descriptor a plugin exports. Every field is valid for the life of the library.
struct haven_plugin_descriptor {
  std::uint32_t struct_size;  ///< sizeof(haven_plugin_descriptor) when built
  std::uint32_t abi_major;    ///< HAVEN_ABI_MAJOR when built; must equal the host's
  std::uint32_t abi_minor;    ///< HAVEN_ABI_MINOR when built; must be <= the host's
  const char* toolchain;      ///< HAVEN_TOOLCHAIN_TAG when built; must equal the host's
  const char* kind;           ///< one of haven::kKind*
  const char* name;           ///< dotted, unique name: "haven.checker.tcp"
  const char* version;        ///< the plugin's own version, "1.2.0"
  const char* summary;        ///< one line for `haven plugins list`
  haven::PluginFactory create;  ///< makes an object of this kind
};

/// The signature of the exported entry point.
typedef const haven_plugin_descriptor* (*haven_plugin_entry_fn)();
}

/// The name of the exported entry point, as the host looks it up.
#define HAVEN_PLUGIN_ENTRY_SYMBOL "haven_plugin_entry"

/// Declares this library a haven plugin. FACTORY is a function
/// `std::unique_ptr<haven::PluginObject>(haven::HostContext&)` or
/// `haven::Result<std::unique_ptr<haven::PluginObject>>(haven::HostContext&)`; it may throw,
/// the exception becomes an Errc::internal error naming the plugin.
#define HAVEN_PLUGIN(KIND, NAME, VERSION, SUMMARY, FACTORY)                                  \
  namespace {                                                                                \
  haven::Result<haven::PluginObject*> haven_plugin_create(haven::HostContext& host) noexcept { \
    try {                                                                                    \
      return ::haven::detail::release_plugin_object(FACTORY(host));                          \
    } catch (const std::exception& e) {                                                      \
      return haven::fail(haven::Errc::internal,                                              \
                         std::string("plugin ") + (NAME) + " failed to make an object: " +   \
                             e.what());                                                      \
    } catch (...) {                                                                          \
      return haven::fail(haven::Errc::internal,                                              \
                         std::string("plugin ") + (NAME) +                                   \
                             " failed to make an object: unknown exception");                \
    }                                                                                        \
  }                                                                                          \
  }                                                                                          \
  extern "C" BOOST_SYMBOL_EXPORT const haven_plugin_descriptor* haven_plugin_entry() {      \
    static const haven_plugin_descriptor descriptor{                                        \
        sizeof(haven_plugin_descriptor), HAVEN_ABI_MAJOR, HAVEN_ABI_MINOR,                   \
        HAVEN_TOOLCHAIN_TAG,             (KIND),          (NAME),                            \
        (VERSION),                       (SUMMARY),       &haven_plugin_create};             \
    return &descriptor;                                                                      \
  }

namespace haven::detail {

/// Turns a factory's unique_ptr into the raw pointer handed to the host.
template <typename T>
Result<PluginObject*> release_plugin_object(std::unique_ptr<T> object) {
  if (!object) return fail(Errc::internal, "plugin factory returned no object");
  return static_cast<PluginObject*>(object.release());
}

/// Same, for factories that can fail with a Result.
template <typename T>
Result<PluginObject*> release_plugin_object(Result<std::unique_ptr<T>> object) {
  if (!object.ok()) return std::move(object).error();
  return release_plugin_object(std::move(object).value());
}

}  // namespace haven::detail
