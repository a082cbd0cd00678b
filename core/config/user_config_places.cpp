#include "config/user_config_places.hpp"

namespace haven::config {
namespace {

constexpr PlaceKind kLoader = PlaceKind::loader;
constexpr PlaceKind kNone = PlaceKind::not_a_place;

constexpr std::string_view kLine = "the line of the element's start tag, for messages";

#define HEART "safe/service/heart"
#define FARM "safe/service/farm"
#define VIP "safe/service/vip"
#define INTERFACE VIP "/interface_list/interface"
#define REAL_ADDR INTERFACE "/real_interface/virtual_addr"
#define VIRTUAL_IF INTERFACE "/virtual_interface"
#define VIRTUAL_ADDR VIRTUAL_IF "/virtual_addr"
#define GROUP VIP "/loadbalancing_list/group"
#define RFS "safe/service/rfs"
#define REPLICATED RFS "/replicated"
#define USER "safe/service/user"
#define VHOST "safe/service/vhost"
#define ERRD "safe/service/errd"
#define CHECK "safe/service/check"
#define FAILOVER "safe/service/failover"
#define SERVICE "safe/service"

// One row per (field, place), in the order of user_config.hpp.
constexpr ModelPlace kPlaces[] = {
    {"Heartbeat::name", HEART "/heartbeat@name"},
    {"Heartbeat::ident", HEART "/heartbeat@ident"},
    {"Heartbeat::pulse", HEART "/heartbeat@pulse"},
    {"Heartbeat::timeout", HEART "/heartbeat@timeout"},
    {"Heartbeat::line", kLine, kNone},

    {"HeartConfig::port", HEART "@port"},
    {"HeartConfig::pulse", HEART "@pulse"},
    {"HeartConfig::timeout", HEART "@timeout"},
    {"HeartConfig::permanent_arp", HEART "@permanent_arp"},
    {"HeartConfig::heartbeats", HEART "/heartbeat"},
    {"HeartConfig::line", kLine, kNone},

    {"FarmConfig::port", FARM "@port"},
    {"FarmConfig::pulse", FARM "@pulse"},
    {"FarmConfig::mlost_count", FARM "@mlost_count"},
    {"FarmConfig::slost_count", FARM "@slost_count"},
    {"FarmConfig::lans", FARM "/lan"},
    {"FarmConfig::lans", FARM "/lan@name"},
    {"FarmConfig::line", kLine, kNone},

    {"VirtualAddr::addr", REAL_ADDR "@addr"},
    {"VirtualAddr::addr", VIRTUAL_ADDR "@addr"},
    {"VirtualAddr::where", REAL_ADDR "@where"},
    {"VirtualAddr::where", VIRTUAL_ADDR "@where"},
    {"VirtualAddr::check", REAL_ADDR "@check"},
    {"VirtualAddr::check", VIRTUAL_ADDR "@check"},
    {"VirtualAddr::connections", REAL_ADDR "@connections"},
    {"VirtualAddr::connections", VIRTUAL_ADDR "@connections"},
    {"VirtualAddr::netmask", REAL_ADDR "@netmask"},
    {"VirtualAddr::netmask", VIRTUAL_ADDR "@netmask"},
    {"VirtualAddr::line", kLine, kNone},

    {"VirtualInterface::type", VIRTUAL_IF "@type"},
    {"VirtualInterface::addr", VIRTUAL_IF "@addr"},
    {"VirtualInterface::virtual_addrs", VIRTUAL_ADDR},
    {"VirtualInterface::line", kLine, kNone},

    {"VipInterface::check", INTERFACE "@check"},
    {"VipInterface::arpreroute", INTERFACE "@arpreroute"},
    {"VipInterface::arpinterval", INTERFACE "@arpinterval"},
    {"VipInterface::arpelapse", INTERFACE "@arpelapse"},
    {"VipInterface::name", INTERFACE "@name"},
    {"VipInterface::real_interface", INTERFACE "/real_interface"},
    {"VipInterface::real_interface", REAL_ADDR},
    {"VipInterface::virtual_interface", VIRTUAL_IF},
    {"VipInterface::line", kLine, kNone},

    {"LoadBalancingHost::name", GROUP "/cluster/host@name"},
    {"LoadBalancingHost::power", GROUP "/cluster/host@power"},

    {"LoadBalancingRule::virtual_addr", GROUP "/rule@virtual_addr"},
    {"LoadBalancingRule::port", GROUP "/rule@port"},
    {"LoadBalancingRule::proto", GROUP "/rule@proto"},
    {"LoadBalancingRule::filter", GROUP "/rule@filter"},
    {"LoadBalancingRule::line", kLine, kNone},

    {"LoadBalancingGroup::name", GROUP "@name"},
    {"LoadBalancingGroup::hosts", GROUP "/cluster"},
    {"LoadBalancingGroup::hosts", GROUP "/cluster/host"},
    {"LoadBalancingGroup::rules", GROUP "/rule"},
    {"LoadBalancingGroup::line", kLine, kNone},

    {"VipConfig::tcpreset", VIP "@tcpreset"},
    {"VipConfig::scriptcontrol", VIP "@scriptcontrol"},
    {"VipConfig::interfaces", VIP "/interface_list"},
    {"VipConfig::interfaces", INTERFACE},
    {"VipConfig::groups", VIP "/loadbalancing_list"},
    {"VipConfig::groups", GROUP},
    {"VipConfig::line", kLine, kNone},

    {"NotReplicated::path", REPLICATED "/notreplicated@path"},
    {"NotReplicated::regexpath", REPLICATED "/notreplicated@regexpath"},

    {"ReplicatedDir::dir", REPLICATED "@dir"},
    {"ReplicatedDir::read_only", REPLICATED "@mode"},
    {"ReplicatedDir::tocheck", REPLICATED "/tocheck"},
    {"ReplicatedDir::tocheck", REPLICATED "/tocheck@path"},
    {"ReplicatedDir::notreplicated", REPLICATED "/notreplicated"},
    {"ReplicatedDir::line", kLine, kNone},

    {"RfsConfig::acl", RFS "@acl"},
    {"RfsConfig::async", RFS "@async"},
    {"RfsConfig::locktimeout", RFS "@locktimeout"},
    {"RfsConfig::sendtimeout", RFS "@sendtimeout"},
    {"RfsConfig::nbrei", RFS "@nbrei"},
    {"RfsConfig::nbremconn", RFS "@nbremconn"},
    {"RfsConfig::reipacketsize", RFS "@reipacketsize"},
    {"RfsConfig::ruzone_blocksize", RFS "@ruzone_blocksize"},
    {"RfsConfig::namespacepolicy", RFS "@namespacepolicy"},
    {"RfsConfig::reitimeout", RFS "@reitimeout"},
    {"RfsConfig::reidetail", RFS "@reidetail"},
    {"RfsConfig::reiallowedbw", RFS "@reiallowedbw"},
    {"RfsConfig::syncdelta", RFS "@syncdelta"},
    {"RfsConfig::syncat", RFS "@syncat"},
    {"RfsConfig::scripts", RFS "@scripts"},
    {"RfsConfig::checktime", RFS "@checktime"},
    {"RfsConfig::checkintv", RFS "@checkintv"},
    {"RfsConfig::reicommit", RFS "@reicommit"},
    {"RfsConfig::packetsize", RFS "@packetsize"},
    {"RfsConfig::mountoversuffix", RFS "@mountoversuffix"},
    {"RfsConfig::killholders", RFS "@killholders"},
    {"RfsConfig::setid", RFS "@setid"},
    {"RfsConfig::devices", RFS "@devices"},
    {"RfsConfig::windows_only", RFS "@iotimeout"},
    {"RfsConfig::windows_only", RFS "@roflags"},
    {"RfsConfig::windows_only", RFS "@allocthreshold"},
    {"RfsConfig::windows_only", RFS "@nfsbox_options"},
    {"RfsConfig::replicated", REPLICATED},
    {"RfsConfig::flow", RFS "/flow"},
    {"RfsConfig::flow", RFS "/flow@name"},
    {"RfsConfig::line", kLine, kNone},

    {"UserVar::name", USER "/var@name"},
    {"UserVar::value", USER "/var@value"},

    {"UserSection::nicestoptimeout", USER "@nicestoptimeout"},
    {"UserSection::forcestoptimeout", USER "@forcestoptimeout"},
    {"UserSection::logging", USER "@logging"},
    {"UserSection::userlogsize", USER "@userlogsize"},
    {"UserSection::vars", USER "/var"},
    {"UserSection::line", kLine, kNone},

    {"VirtualHostName::name", VHOST "/virtualhostname@name"},
    {"VirtualHostName::envfile", VHOST "/virtualhostname@envfile"},
    {"VirtualHostName::when", VHOST "/virtualhostname@when"},

    {"VhostConfig::names", VHOST "/virtualhostname"},
    {"VhostConfig::line", kLine, kNone},

    {"ErrdProc::element", ERRD "/*"},
    {"ErrdProc::name", ERRD "/*@name"},
    {"ErrdProc::action", ERRD "/*@action"},
    {"ErrdProc::handler", ERRD "/*@action"},
    {"ErrdProc::klass", ERRD "/*@class"},
    {"ErrdProc::custom_class", ERRD "/*@class"},
    {"ErrdProc::start_after", ERRD "/*@start_after"},
    {"ErrdProc::restart_services", ERRD "/*@restart_services"},
    {"ErrdProc::line", kLine, kNone},

    {"ErrdConfig::polltimer", ERRD "@polltimer"},
    {"ErrdConfig::procs", ERRD "/*"},
    {"ErrdConfig::line", kLine, kNone},

    {"Checker::element", CHECK "/*"},
    {"Checker::ident", CHECK "/*@ident"},
    {"Checker::when", CHECK "/*@when"},
    {"Checker::action", CHECK "/*@action"},
    {"Checker::exec", CHECK "/custom@exec"},
    {"Checker::exec", CHECK "/splitbrain@exec"},
    {"Checker::arg", CHECK "/custom@arg"},
    {"Checker::arg", CHECK "/splitbrain@arg"},
    {"Checker::interval", CHECK "/*@interval"},
    {"Checker::interval", CHECK "/*/to@interval"},
    {"Checker::timeout", CHECK "/*@timeout"},
    {"Checker::timeout", CHECK "/*/to@timeout"},
    {"Checker::line", kLine, kNone},

    {"CheckConfig::checkers", CHECK "/*"},
    {"CheckConfig::line", kLine, kNone},

    {"FailoverConfig::extends", FAILOVER "@extends"},
    {"FailoverConfig::period", FAILOVER "@period"},
    {"FailoverConfig::handle_time", FAILOVER "@handle_time"},
    {"FailoverConfig::rules", FAILOVER},
    {"FailoverConfig::line", kLine, kNone},

    {"ServiceConfig::mode", SERVICE "@mode"},
    {"ServiceConfig::defaultprim", SERVICE "@defaultprim"},
    {"ServiceConfig::maxloop", SERVICE "@maxloop"},
    {"ServiceConfig::loop_interval", SERVICE "@loop_interval"},
    {"ServiceConfig::failover", SERVICE "@failover"},
    {"ServiceConfig::boot", SERVICE "@boot"},
    {"ServiceConfig::boot_delay", SERVICE "@boot_delay"},
    {"ServiceConfig::automatic_reboot", SERVICE "@automatic_reboot"},
    {"ServiceConfig::line", kLine, kNone},

    {"Placeholder::file", "a template value found in the file: where it is", kNone},
    {"Placeholder::line", "a template value found in the file: where it is", kNone},
    {"Placeholder::path", "a template value found in the file: where it is", kNone},
    {"Placeholder::value", "a template value found in the file: the value", kNone},
    {"Placeholder::what", "a template value found in the file: what to write instead", kNone},

    // Macros are acted on while the file loads: every %NAME% is expanded before the model is read.
    {"UserConfig::macros", "safe/macro", kLoader},
    {"UserConfig::macros", "safe/macro@name", kLoader},
    {"UserConfig::macros", "safe/macro@value", kLoader},
    {"UserConfig::service", SERVICE},
    {"UserConfig::heart", HEART},
    {"UserConfig::farm", FARM},
    {"UserConfig::vip", VIP},
    {"UserConfig::rfs", RFS},
    {"UserConfig::user", USER},
    {"UserConfig::vhost", VHOST},
    {"UserConfig::errd", ERRD},
    {"UserConfig::check", CHECK},
    {"UserConfig::failover", FAILOVER},
    {"UserConfig::placeholders", "the template values still to fill in, found in the whole file", kNone},
    {"UserConfig::document", "the whole <safe> tree, which checker plugins read their elements from", kNone},
};

#undef HEART
#undef FARM
#undef VIP
#undef INTERFACE
#undef REAL_ADDR
#undef VIRTUAL_IF
#undef VIRTUAL_ADDR
#undef GROUP
#undef RFS
#undef REPLICATED
#undef USER
#undef VHOST
#undef ERRD
#undef CHECK
#undef FAILOVER
#undef SERVICE

// The next '/'-separated element name of `path`, removed from it.
std::string_view next_segment(std::string_view& path) {
  const auto slash = path.find('/');
  const std::string_view segment = path.substr(0, slash);
  path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
  return segment;
}

}  // namespace

std::span<const ModelPlace> model_places() { return kPlaces; }

bool place_matches(std::string_view place, std::string_view path) {
  const auto place_at = place.find('@');
  const auto path_at = path.find('@');
  const std::string_view place_attribute = place_at == std::string_view::npos ? "" : place.substr(place_at);
  const std::string_view path_attribute = path_at == std::string_view::npos ? "" : path.substr(path_at);
  if (place_attribute != path_attribute) return false;
  std::string_view place_elements = place.substr(0, place_at);
  std::string_view path_elements = path.substr(0, path_at);
  while (!place_elements.empty() && !path_elements.empty()) {
    const std::string_view want = next_segment(place_elements);
    const std::string_view have = next_segment(path_elements);
    if (want != "*" && want != have) return false;
  }
  return place_elements.empty() && path_elements.empty();
}

}  // namespace haven::config
