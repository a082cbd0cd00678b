#include "plugin_host/checker_catalog.hpp"

#include <algorithm>

#include "plugin_host/plugin_host.hpp"

namespace haven {

Status CheckerCatalog::add(std::string plugin, std::shared_ptr<CheckerFactory> factory) {
  if (!factory) return fail(Errc::internal, "checker plugin " + plugin + " gave no factory");
  const CheckerSchema& schema = factory->schema();
  if (schema.element.empty() || schema.resource_class.empty())
    return fail(Errc::invalid_argument, "checker plugin " + plugin +
                                            " declares no element or no resource class; expected both, "
                                            "e.g. element \"tcp\" and resource class \"tcp\"");
  if (const CheckerOwner* owner = find(schema.section, schema.element))
    return fail(Errc::already_exists, "checker plugins " + owner->plugin + " and " + plugin + " both own <" +
                                          schema.element + ">; remove one of them from the plugin folders");
  owners_.push_back(CheckerOwner{std::move(plugin), std::move(factory)});
  return ok_status();
}

const CheckerOwner* CheckerCatalog::find(CheckerSection section, std::string_view element) const {
  auto it = std::find_if(owners_.begin(), owners_.end(), [&](const CheckerOwner& o) {
    return o.schema().section == section && o.schema().element == element;
  });
  return it == owners_.end() ? nullptr : &*it;
}

std::string CheckerCatalog::elements(CheckerSection section) const {
  std::string out;
  for (const auto& owner : owners_)
    if (owner.schema().section == section) out += (out.empty() ? "" : ", ") + owner.schema().element;
  return out;
}

CheckerCatalog load_checker_catalog(PluginHost& plugins, std::shared_ptr<HostContext> context) {
  CheckerCatalog catalog;
  for (const auto& info : plugins.plugins()) {
    if (info.kind != kKindChecker) continue;
    auto factory = plugins.make_checker_factory(info.name, context);
    if (!factory.ok()) {
      catalog.record(std::move(factory).error());
      continue;
    }
    if (auto added = catalog.add(info.name, std::move(factory).value()); !added.ok())
      catalog.record(std::move(added).error());
  }
  return catalog;
}

}  // namespace haven
