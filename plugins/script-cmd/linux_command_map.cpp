#include "linux_command_map.hpp"

#include "batch_text.hpp"

namespace haven::cmd {
namespace {

std::string join(const std::vector<std::string>& args, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < args.size(); ++i) out += (out.empty() ? "" : " ") + args[i];
  return out;
}

MappedCommand unsupported(std::string message) {
  MappedCommand m;
  m.kind = MappedCommand::Kind::unsupported;
  m.message = std::move(message);
  return m;
}

MappedCommand run(std::vector<std::string> argv) {
  MappedCommand m;
  m.argv = std::move(argv);
  return m;
}

std::optional<MappedCommand> map_net(const std::vector<std::string>& args, const ServiceMap& services) {
  const auto verb = args.empty() ? std::string() : to_lower(args[0]);
  if ((verb == "start" || verb == "stop") && args.size() >= 2)
    return run({"systemctl", verb, services.unit_for(join(args, 1))});
  return unsupported("'net " + join(args, 0) +
                     "': on Linux haven maps only 'net start NAME' and 'net stop NAME' (to systemctl)");
}

std::optional<MappedCommand> map_sc(std::vector<std::string> args, const ServiceMap& services) {
  if (!args.empty() && args[0].rfind("\\\\", 0) == 0)
    return unsupported("'sc " + join(args, 0) + "': a remote server (\\\\name) is not supported on Linux");
  const auto verb = args.empty() ? std::string() : to_lower(args[0]);
  if ((verb == "start" || verb == "stop" || verb == "query") && args.size() >= 2) {
    const auto unit = services.unit_for(args[1]);
    if (verb == "query") return run({"systemctl", "is-active", unit});
    return run({"systemctl", verb, unit});
  }
  return unsupported("'sc " + join(args, 0) +
                     "': on Linux haven maps only 'sc start|stop|query NAME' (to systemctl start|stop|is-active)");
}

std::optional<MappedCommand> map_timeout(const std::vector<std::string>& args) {
  if (args.empty() || !iequals(args[0], "/t")) return std::nullopt;  // coreutils timeout
  long long seconds = 0;
  if (args.size() < 2 || !parse_batch_integer(args[1], seconds))
    return unsupported("'timeout " + join(args, 0) + "': expected 'timeout /t SECONDS [/nobreak]'");
  if (seconds < 0) return unsupported("'timeout /t -1' waits for a key press, which a hook never gets");
  for (std::size_t i = 2; i < args.size(); ++i)
    if (!iequals(args[i], "/nobreak"))
      return unsupported("'timeout " + join(args, 0) + "': unknown switch '" + args[i] + "'");
  MappedCommand m;
  m.kind = MappedCommand::Kind::sleep;
  m.seconds = seconds;
  return m;
}

}  // namespace

ServiceMap::ServiceMap(std::string_view spec) {
  std::size_t start = 0;
  while (start < spec.size()) {
    auto end = spec.find(';', start);
    if (end == std::string_view::npos) end = spec.size();
    const auto entry = spec.substr(start, end - start);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos && eq > 0 && eq + 1 < entry.size())
      units_[to_upper(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    start = end + 1;
  }
}

std::string ServiceMap::unit_for(std::string_view windows_name) const {
  const auto it = units_.find(to_upper(windows_name));
  return it != units_.end() ? it->second : to_lower(windows_name);
}

std::optional<MappedCommand> map_windows_command(std::string_view name, const std::vector<std::string>& args,
                                                 const ServiceMap& services) {
  if (name == "net" || name == "net1") return map_net(args, services);
  if (name == "sc") return map_sc(args, services);
  if (name == "timeout") return map_timeout(args);
  if (name == "start")
    return unsupported("'start' (a program in the background): run it with a service (net start / systemctl), "
                       "or through sh -c \"prog &\"");
  if (name == "choice") return unsupported("'choice' waits for a key press, which a hook never gets");
  return std::nullopt;
}

std::optional<MappedCommand> map_seed_helper(std::string_view name, const std::vector<std::string>& args) {
  if (name == "sleep") {
    long long seconds = 0;
    if (args.size() != 1 || !parse_batch_integer(args[0], seconds) || seconds < 0)
      return unsupported("'sleep " + join(args, 0) + "': expected one number of seconds");
    MappedCommand m;
    m.kind = MappedCommand::Kind::sleep;
    m.seconds = seconds;
    return m;
  }
  if (name == "boundcmd") {
    if (args.size() < 2) return unsupported("'boundcmd " + join(args, 0) + "': expected 'boundcmd SECONDS command [args]'");
    std::vector<std::string> argv{"timeout", args[0]};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    auto m = run(std::move(argv));
    m.exit_code_map = std::make_pair(124, 2);  // boundcmd exits 2 on timeout
    return m;
  }
  if (name == "processtree" || name == "gencron" || name == "errdpoll_running" || name == "namealias" ||
      name == "safekitcmd" || name == "safekitbin")
    return unsupported("the seed's helper '" + std::string(name) +
                       "' has no haven equivalent on Linux yet; do the work in the script "
                       "(e.g. pkill, crontab) or write this hook as a shell or Lua script");
  return std::nullopt;
}

}  // namespace haven::cmd
