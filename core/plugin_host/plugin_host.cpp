#include "plugin_host/plugin_host.hpp"

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <exception>
#include <system_error>
#include <utility>

#include "common/haven_paths.hpp"
#include "plugin_host/descriptor_check.hpp"
#include "plugin_host/plugin_trust.hpp"

namespace haven {

namespace fs = std::filesystem;

struct PluginHost::Loaded {
  std::shared_ptr<boost::dll::shared_library> library;
  const haven_plugin_descriptor* descriptor = nullptr;
  PluginInfo info;
  fs::path canonical;
};

namespace {

fs::path canonical_or_same(const fs::path& file) {
  std::error_code ec;
  auto c = fs::canonical(file, ec);
  return ec ? file.lexically_normal() : c;
}

// Deletes a plugin's object, then lets go of the context and the library, in that order:
// the library must stay mapped while the object's destructor (plugin code) runs.
struct PluginObjectDeleter {
  std::shared_ptr<boost::dll::shared_library> library;
  std::shared_ptr<HostContext> host;
  void operator()(PluginObject* object) const noexcept { delete object; }
};

std::string describe(const PluginInfo& info) { return "plugin " + info.name + " (" + info.file.string() + ")"; }

template <typename Interface>
Result<std::shared_ptr<Interface>> as_interface(Result<std::shared_ptr<PluginObject>> made,
                                                const char* interface_name, std::string_view plugin) {
  if (!made.ok()) return std::move(made).error();
  auto object = std::dynamic_pointer_cast<Interface>(std::move(made).value());
  if (!object)
    return fail(Errc::internal, "plugin " + std::string(plugin) + " made an object that is not a " +
                                    interface_name + ": the plugin's kind does not match its code");
  return object;
}

}  // namespace

PluginHost::PluginHost() = default;
PluginHost::~PluginHost() = default;

std::vector<fs::path> PluginHost::default_search_path() {
  std::vector<fs::path> folders{installed_plugin_dir()};
  if (const char* env = std::getenv("HAVEN_PLUGIN_PATH"); env != nullptr) {
    std::string_view rest(env);
    while (!rest.empty()) {
      auto colon = rest.find(':');
      auto part = rest.substr(0, colon);
      if (!part.empty()) folders.emplace_back(std::string(part));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  return folders;
}

void PluginHost::scan(const std::vector<fs::path>& folders) {
  std::vector<fs::path> seen_folders;
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    auto canonical_folder = canonical_or_same(folder);
    if (std::find(seen_folders.begin(), seen_folders.end(), canonical_folder) != seen_folders.end()) continue;
    seen_folders.push_back(canonical_folder);

    std::vector<fs::path> files;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->path().extension() == ".so" && it->is_regular_file(type_ec)) files.push_back(it->path());
    }
    if (ec) {
      failures_.push_back({folder, fail(Errc::io_error, "plugin folder " + folder.string() +
                                                            " cannot be listed: " + ec.message())});
      continue;
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) (void)load_file(file);
  }
}

Result<PluginInfo> PluginHost::load_file(const fs::path& file) {
  const fs::path canonical = canonical_or_same(file);
  for (const auto& loaded : loaded_)
    if (loaded->canonical == canonical) return loaded->info;

  auto refuse = [&](Error error) -> Result<PluginInfo> {
    bool already_recorded = std::any_of(failures_.begin(), failures_.end(), [&](const PluginLoadFailure& f) {
      return canonical_or_same(f.file) == canonical;
    });
    if (!already_recorded) failures_.push_back({file, error});
    return error;
  };

  if (auto trusted = check_plugin_trust(file); !trusted.ok()) return refuse(std::move(trusted).error());
  if (auto elf = check_elf_header(file); !elf.ok()) return refuse(std::move(elf).error());

  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  library->load(boost::dll::fs::path(file.string()),
                boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !library->is_loaded())
    return refuse(fail(Errc::invalid_argument, file.string() + " cannot be loaded as a shared library: " +
                                                   (ec ? ec.message() : std::string("unknown reason")) +
                                                   " (missing dependency, wrong architecture or not a library)"));
  if (!library->has(HAVEN_PLUGIN_ENTRY_SYMBOL))
    return refuse(fail(Errc::invalid_argument, file.string() + " is not a haven plugin: it exports no " +
                                                   HAVEN_PLUGIN_ENTRY_SYMBOL +
                                                   " symbol (build it with HAVEN_PLUGIN from the haven SDK)"));

  // The entry point only returns the address of a constant descriptor; everything else the
  // plugin does waits until the descriptor is known to match.
  auto& entry = library->get<const haven_plugin_descriptor*()>(HAVEN_PLUGIN_ENTRY_SYMBOL);
  const haven_plugin_descriptor* descriptor = entry();
  if (auto checked = check_descriptor(descriptor, file); !checked.ok()) return refuse(std::move(checked).error());

  for (const auto& loaded : loaded_)
    if (loaded->info.name == descriptor->name)
      return refuse(fail(Errc::already_exists, "plugin " + std::string(descriptor->name) + " in " + file.string() +
                                                   " is already loaded from " + loaded->info.file.string() +
                                                   ": remove one of the two files"));

  auto loaded = std::make_unique<Loaded>();
  loaded->library = std::move(library);
  loaded->descriptor = descriptor;
  loaded->canonical = canonical;
  loaded->info.name = descriptor->name;
  loaded->info.kind = descriptor->kind;
  loaded->info.version = descriptor->version ? descriptor->version : "";
  loaded->info.summary = descriptor->summary ? descriptor->summary : "";
  loaded->info.file = file;
  loaded->info.abi_major = descriptor->abi_major;
  loaded->info.abi_minor = descriptor->abi_minor;
  loaded->info.toolchain = descriptor->toolchain;
  loaded_.push_back(std::move(loaded));
  return loaded_.back()->info;
}

std::vector<PluginInfo> PluginHost::plugins() const {
  std::vector<PluginInfo> out;
  out.reserve(loaded_.size());
  for (const auto& loaded : loaded_) out.push_back(loaded->info);
  return out;
}

const PluginInfo* PluginHost::find(std::string_view name) const {
  for (const auto& loaded : loaded_)
    if (loaded->info.name == name) return &loaded->info;
  return nullptr;
}

Result<std::shared_ptr<PluginObject>> PluginHost::make(std::string_view name, std::string_view kind,
                                                       std::shared_ptr<HostContext> host) {
  auto it = std::find_if(loaded_.begin(), loaded_.end(), [&](const auto& l) { return l->info.name == name; });
  if (it == loaded_.end())
    return fail(Errc::not_found, "plugin " + std::string(name) +
                                     " is not loaded: check `haven plugins list` and the plugin folders "
                                     "(the install's lib/haven/plugins and $HAVEN_PLUGIN_PATH)");
  const Loaded& loaded = **it;
  if (loaded.info.kind != kind)
    return fail(Errc::invalid_argument, describe(loaded.info) + " is a " + loaded.info.kind + " plugin, expected a " +
                                            std::string(kind) + " plugin");
  if (!host) return fail(Errc::internal, "no host context given to make an object of " + describe(loaded.info));

  Result<PluginObject*> made = fail(Errc::internal, "");
  try {
    made = loaded.descriptor->create(*host);
  } catch (const std::exception& e) {
    return fail(Errc::internal, describe(loaded.info) + " threw while making an object: " + e.what());
  } catch (...) {
    return fail(Errc::internal, describe(loaded.info) + " threw while making an object");
  }
  if (!made.ok()) {
    Error error = std::move(made).error();
    if (error.message.find(loaded.info.name) == std::string::npos)
      error.message = describe(loaded.info) + " could not make an object: " + error.message;
    return error;
  }
  if (made.value() == nullptr)
    return fail(Errc::internal, describe(loaded.info) + " returned no object from its factory");
  return std::shared_ptr<PluginObject>(made.value(), PluginObjectDeleter{loaded.library, std::move(host)});
}

Result<std::shared_ptr<ScriptEngine>> PluginHost::make_script_engine(std::string_view name,
                                                                     std::shared_ptr<HostContext> host) {
  return as_interface<ScriptEngine>(make(name, kKindScriptEngine, std::move(host)), "haven::ScriptEngine", name);
}

Result<std::shared_ptr<CheckerFactory>> PluginHost::make_checker_factory(std::string_view name,
                                                                         std::shared_ptr<HostContext> host) {
  return as_interface<CheckerFactory>(make(name, kKindChecker, std::move(host)), "haven::CheckerFactory", name);
}

Result<std::shared_ptr<Checker>> PluginHost::make_checker(std::string_view name, std::shared_ptr<HostContext> host) {
  auto factory = make_checker_factory(name, host);
  if (!factory.ok()) return std::move(factory).error();
  const PluginInfo* info = find(name);
  Result<std::unique_ptr<Checker>> made = fail(Errc::internal, "");
  try {
    made = (*factory)->make(*host);
  } catch (...) {
    return fail(Errc::internal, describe(*info) + " threw while making a checker");
  }
  if (!made.ok()) {
    Error error = std::move(made).error();
    if (error.message.find(info->name) == std::string::npos)
      error.message = describe(*info) + " could not make a checker: " + error.message;
    return error;
  }
  if (!*made) return fail(Errc::internal, describe(*info) + " made no checker");
  // The checker is plugin code: its factory (and through it the library) and its context
  // stay alive until it is deleted.
  std::shared_ptr<CheckerFactory> keep = std::move(factory).value();
  return std::shared_ptr<Checker>(made->release(), [keep, host](Checker* checker) noexcept { delete checker; });
}

Result<std::shared_ptr<Behaviour>> PluginHost::make_behaviour(std::string_view name,
                                                              std::shared_ptr<HostContext> host) {
  return as_interface<Behaviour>(make(name, kKindBehaviour, std::move(host)), "haven::Behaviour", name);
}

Result<std::shared_ptr<Application>> PluginHost::make_application(std::string_view name,
                                                                  std::shared_ptr<HostContext> host) {
  return as_interface<Application>(make(name, kKindApplication, std::move(host)), "haven::Application", name);
}

Result<std::shared_ptr<Application>> PluginHost::make_application_for(std::string_view kind,
                                                                      std::shared_ptr<HostContext> host) {
  std::string kinds;
  for (const auto& loaded : loaded_) {
    if (loaded->info.kind != kKindApplication) continue;
    auto application = make_application(loaded->info.name, host);
    if (!application.ok()) {
      kinds += (kinds.empty() ? "" : ", ") + loaded->info.name + " (failed: " + application.error().message + ")";
      continue;
    }
    const std::string made_kind = application.value()->kind();
    if (made_kind == kind) return application;
    kinds += (kinds.empty() ? "" : ", ") + made_kind + " (" + loaded->info.name + ")";
  }
  return fail(Errc::not_found, "no application plugin makes kind '" + std::string(kind) + "' (" +
                                   (kinds.empty() ? std::string("no application plugin is loaded") : "loaded: " + kinds) +
                                   "): install plugins/app-" + std::string(kind) +
                                   " in the plugin folder (`haven plugins list` shows what is loaded)");
}

Result<std::shared_ptr<ScriptEngine>> PluginHost::make_script_engine_for(std::string_view extension,
                                                                         std::shared_ptr<HostContext> host) {
  std::string tried;
  for (const auto& loaded : loaded_) {
    if (loaded->info.kind != kKindScriptEngine) continue;
    auto engine = make_script_engine(loaded->info.name, host);
    if (!engine.ok()) {
      tried += (tried.empty() ? "" : "; ") + engine.error().message;
      continue;
    }
    auto extensions = engine.value()->extensions();
    if (std::find(extensions.begin(), extensions.end(), extension) != extensions.end()) return engine;
    tried += (tried.empty() ? "" : "; ") + loaded->info.name + " runs other extensions";
  }
  const std::string what = extension.empty() ? std::string("executables without extension")
                                             : "'" + std::string(extension) + "' scripts";
  return fail(Errc::not_found, "no script engine plugin runs " + what +
                                   (tried.empty() ? std::string(" (no script plugin is loaded)") : " (" + tried + ")") +
                                   ": install the matching script plugin in the plugin folder");
}

}  // namespace haven
