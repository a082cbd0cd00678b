#include "load_filter/load_filter.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "load_filter/nft_script.hpp"
#include "load_filter/nft_session.hpp"
#include "load_filter/promiscuous_mode.hpp"

namespace haven::load_filter {
namespace {

Error filter_error(std::string_view module, std::string_view interface, Errc code, const std::string& what) {
  return fail(code, fmt::format("load filter of module '{}' on interface '{}': {}", module, interface, what));
}

// The interface whose promiscuous mode haven turned on for `module`, as the installed tables
// record it; nullopt when there are no tables or no such record.
std::optional<std::string> recorded_promiscuous(NftSession& nft, std::string_view module) {
  auto listing = nft.run(render_list_script(module));
  if (!listing) return std::nullopt;
  return promiscuous_record(listing->output);
}

bool has_ipv6_vip(const Spec& spec) {
  for (const auto& vip : spec.vips)
    if (vip.find(':') != std::string::npos) return true;
  return false;
}

}  // namespace

Status apply(const Spec& spec) {
  auto nft = NftSession::open();
  if (!nft) return filter_error(spec.module, spec.interface, Errc::io_error, nft.error().message);

  Spec complete = spec;
  if (complete.mode == MacMode::vmac_invisible && complete.real_mac.empty() && has_ipv6_vip(complete)) {
    auto mac = hardware_address(complete.interface);
    if (!mac) return filter_error(spec.module, spec.interface, mac.error().code, mac.error().message);
    complete.real_mac = format_mac(*mac);
  }
  // Validate before touching the interface.
  if (auto script = render_apply_script(complete, false); !script) return std::move(script).error();

  const std::optional<std::string> recorded = recorded_promiscuous(*nft, spec.module);
  bool haven_promiscuous = false;   // what the new tables record
  bool turned_on_now = false;       // to undo when nft refuses
  if (complete.mode == MacMode::vmac_invisible) {
    auto on = promiscuous(complete.interface);
    if (!on) return filter_error(spec.module, spec.interface, on.error().code, on.error().message);
    if (recorded == complete.interface) {
      haven_promiscuous = true;
      if (!*on) turned_on_now = true;  // someone cleared it: haven still needs it
    } else if (!*on) {
      haven_promiscuous = true;
      turned_on_now = true;
    }
    if (turned_on_now) {
      if (auto st = set_promiscuous(complete.interface, true); !st)
        return filter_error(spec.module, spec.interface, st.error().code, st.error().message);
    }
  }

  auto script = render_apply_script(complete, haven_promiscuous);
  if (!script) return std::move(script).error();
  if (auto done = nft->run(*script); !done) {
    if (turned_on_now) (void)set_promiscuous(complete.interface, false);
    return filter_error(spec.module, spec.interface, Errc::io_error,
                        "nft refused the rules, the previous ones stay in place: " + done.error().message);
  }
  // Haven turned promiscuous mode on for an interface it no longer needs it on.
  if (recorded && !(haven_promiscuous && *recorded == complete.interface)) {
    if (auto st = set_promiscuous(*recorded, false); !st && st.error().code != Errc::not_found)
      return filter_error(spec.module, *recorded, st.error().code,
                          "rules installed, but promiscuous mode could not be turned off: " + st.error().message);
  }
  return ok_status();
}

Status remove(std::string_view module) {
  auto nft = NftSession::open();
  if (!nft) return filter_error(module, "(unknown)", Errc::io_error, nft.error().message);
  const std::optional<std::string> recorded = recorded_promiscuous(*nft, module);
  const std::string interface = recorded.value_or("(none recorded)");
  if (auto done = nft->run(render_remove_script(module)); !done)
    return filter_error(module, interface, Errc::io_error, "nft could not delete the tables: " + done.error().message);
  if (recorded) {
    if (auto st = set_promiscuous(*recorded, false); !st && st.error().code != Errc::not_found)
      return filter_error(module, interface, st.error().code,
                          "tables deleted, but promiscuous mode could not be turned off: " + st.error().message);
  }
  return ok_status();
}

Status check(const Spec& spec) {
  Spec complete = spec;
  if (complete.real_mac.empty()) complete.real_mac = "02:00:00:00:00:00";  // apply() reads the real one
  auto script = render_apply_script(complete, false);
  if (!script) return std::move(script).error();
  auto nft = NftSession::open();
  if (!nft) return filter_error(spec.module, spec.interface, Errc::io_error, nft.error().message);
  if (auto done = nft->check(*script); !done)
    return filter_error(spec.module, spec.interface, Errc::invalid_argument,
                        "nft rejects the rules: " + done.error().message);
  return ok_status();
}

}  // namespace haven::load_filter
