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

// systemctl would read a unit starting with '-' as one of its options ("-H host").
std::optional<MappedCommand> option_like_unit(const std::string& written, const std::string& unit) {
  if (unit.empty() || unit.front() != '-') return std::nullopt;
  return unsupported("'" + written + "': the service name '" + unit +
                     "' starts with '-', which systemctl would read as an option");
}

std::optional<MappedCommand> map_net(const std::vector<std::string>& args, const ServiceMap& services) {
  const auto verb = args.empty() ? std::string() : to_lower(args[0]);
  if ((verb == "start" || verb == "stop") && args.size() >= 2) {
    const auto unit = services.unit_for(join(args, 1));
    if (auto refused = option_like_unit("net " + join(args, 0), unit)) return refused;
    return run({"systemctl", verb, unit});
  }
  return unsupported("'net " + join(args, 0) +
                     "': on Linux haven maps only 'net start NAME' and 'net stop NAME' (to systemctl)");
}

std::optional<MappedCommand> map_sc(std::vector<std::string> args, const ServiceMap& services) {
  if (!args.empty() && args[0].rfind("\\\\", 0) == 0)
    return unsupported("'sc " + join(args, 0) + "': a remote server (\\\\name) is not supported on Linux");
  const auto verb = args.empty() ? std::string() : to_lower(args[0]);
  if ((verb == "start" || verb == "stop" || verb == "query") && args.size() >= 2) {
    const auto unit = services.unit_for(args[1]);
    if (auto refused = option_like_unit("sc " + join(args, 0), unit)) return refused;
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

// `ping -n 6 127.0.0.1 >nul` is the classic batch sleep; Linux ping's -n means "numeric" and
// without -c it never ends, so the Windows switches are translated.
std::optional<MappedCommand> map_ping(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ping"};
  bool has_count = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = to_lower(args[i]);
    if ((a == "-n" || a == "/n") && i + 1 < args.size()) {
      argv.insert(argv.end(), {"-c", args[++i]});
      has_count = true;
    } else if ((a == "-w" || a == "/w") && i + 1 < args.size()) {
      long long ms = 0;
      if (!parse_batch_integer(args[++i], ms) || ms < 0)
        return unsupported("'ping " + join(args, 0) + "': -w expects milliseconds");
      argv.insert(argv.end(), {"-W", std::to_string((ms + 999) / 1000)});
    } else if (a == "-t" || a == "/t") {
      return unsupported("'ping -t' pings until a key is pressed, which a hook never gets");
    } else if (!a.empty() && (a[0] == '-' || a[0] == '/') && a != "-4" && a != "-6") {
      return unsupported("'ping " + join(args, 0) + "': the switch '" + args[i] + "' (haven maps -n, -w, -4, -6)");
    } else {
      argv.push_back(args[i]);
    }
  }
  if (!has_count) argv.insert(argv.begin() + 1, {"-c", "4"});  // Windows pings 4 times by default
  return run(std::move(argv));
}

// `taskkill [/f] [/t] /im app.exe` or `/pid N`: the force-stop of many seed stop scripts.
std::optional<MappedCommand> map_taskkill(const std::vector<std::string>& args) {
  bool force = false;
  std::vector<std::string> names, pids;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = to_lower(args[i]);
    if (a == "/f") force = true;
    else if (a == "/t") {}  // pkill and kill do not follow children; see docs/hooks-cmd.md
    else if (a == "/im" && i + 1 < args.size()) {
      auto name = args[++i];
      const auto lower = to_lower(name);
      if (lower.ends_with(".exe")) name.resize(name.size() - 4);
      if (name.find_first_of("*?") != std::string::npos)
        return unsupported("'taskkill /im " + args[i] + "': wildcards in the image name are not mapped");
      names.push_back(name);
    } else if (a == "/pid" && i + 1 < args.size()) {
      // kill takes -1 as "every process" and 0 as "my group": only a real process id goes.
      const auto& pid = args[++i];
      const bool digits = !pid.empty() && pid.size() <= 10 &&
                          pid.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoll(pid) < 1 || std::stoll(pid) > 2147483647LL) {
        MappedCommand m;
        m.kind = MappedCommand::Kind::fail;
        m.message = "ERROR: The process \"" + pid +
                    "\" not found (taskkill /pid expects a positive decimal process id).";
        m.fail_code = 128;
        return m;
      }
      pids.push_back(pid);
    } else {
      return unsupported("'taskkill " + join(args, 0) + "': the switch '" + args[i] +
                         "' (haven maps /f, /t, /im NAME and /pid N)");
    }
  }
  if (names.size() + pids.size() != 1)
    return unsupported("'taskkill " + join(args, 0) + "': haven maps one /im NAME or one /pid N per taskkill");
  std::vector<std::string> argv;
  // "--": an image name such as "-v" is a name, not a pkill option.
  if (!names.empty()) argv = {"pkill", force ? "-KILL" : "-TERM", "-x", "--", names.front()};
  else argv = {"kill", force ? "-KILL" : "-TERM", "--", pids.front()};
  auto m = run(std::move(argv));
  m.exit_code_map = std::make_pair(1, 128);  // taskkill's "process not found"
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
  if (name == "ping") return map_ping(args);
  if (name == "taskkill") return map_taskkill(args);
  if (name == "start")
    return unsupported("'start' (a program in the background): run it with a service (net start / systemctl), "
                       "or through sh -c \"prog &\"");
  if (name == "choice") return unsupported("'choice' waits for a key press, which a hook never gets");
  return std::nullopt;
}

std::optional<MappedCommand> map_text_search(std::string_view name, const std::vector<std::string>& tokens) {
  std::vector<std::string> flags;
  std::vector<std::string> patterns;
  std::vector<std::string> files;
  const auto written = [&]() {
    std::string out(name);
    for (const auto& t : tokens) out += " " + t;
    return out;
  };
  if (name == "find") {
    std::size_t i = 0;
    for (; i < tokens.size() && tokens[i].size() >= 2 && tokens[i][0] == '/'; ++i) {
      const auto sw = to_lower(tokens[i]);
      if (sw == "/i") flags.push_back("-i");
      else if (sw == "/v") flags.push_back("-v");
      else if (sw == "/c") flags.push_back("-c");
      else if (sw == "/n") flags.push_back("-n");
      else if (sw.rfind("/off", 0) == 0) {}
      else return std::nullopt;  // not Windows find's switches: a GNU find command line
    }
    if (i >= tokens.size() || tokens[i].front() != '"') return std::nullopt;
    patterns.push_back(strip_quotes(tokens[i]));
    for (++i; i < tokens.size(); ++i) files.push_back(strip_quotes(tokens[i]));
    std::vector<std::string> argv{"grep", "-F"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"-e", patterns.front(), "--"});
    argv.insert(argv.end(), files.begin(), files.end());
    return run(std::move(argv));
  }
  if (name != "findstr") return std::nullopt;
  bool literal = false, regex = false, at_begin = false, at_end = false;
  for (const auto& token : tokens) {
    if (token.size() >= 2 && token[0] == '/' && patterns.empty()) {
      const auto sw = to_lower(token);
      if (sw == "/i") flags.push_back("-i");
      else if (sw == "/v") flags.push_back("-v");
      else if (sw == "/x") flags.push_back("-x");
      else if (sw == "/n") flags.push_back("-n");
      else if (sw == "/m") flags.push_back("-l");
      else if (sw == "/l") literal = true;
      else if (sw == "/r") regex = true;
      else if (sw == "/b") at_begin = true;
      else if (sw == "/e") at_end = true;
      else if (sw.rfind("/c:", 0) == 0) {
        patterns.push_back(strip_quotes(token.substr(3)));
        if (!regex) literal = true;
      } else if (sw.rfind("/off", 0) == 0) {}
      else return unsupported("'" + written() + "': the switch '" + token + "' (haven maps /i /v /x /n /m /l /r /b /e /c:)");
      continue;
    }
    if (patterns.empty()) {
      // "a b" searches for a or b.
      const auto words = strip_quotes(token);
      std::size_t start = 0;
      while (start < words.size()) {
        auto end = words.find(' ', start);
        if (end == std::string::npos) end = words.size();
        if (end > start) patterns.push_back(words.substr(start, end - start));
        start = end + 1;
      }
      if (patterns.empty()) return unsupported("'" + written() + "': an empty search string");
      continue;
    }
    files.push_back(strip_quotes(token));
  }
  if (patterns.empty()) return unsupported("'" + written() + "': no search string");
  if (literal && (at_begin || at_end))
    return unsupported("'" + written() + "': /b and /e with a literal string (use /r)");
  std::vector<std::string> argv{"grep"};
  if (literal) argv.push_back("-F");
  argv.insert(argv.end(), flags.begin(), flags.end());
  for (const auto& p : patterns) argv.insert(argv.end(), {"-e", (at_begin ? "^" : "") + p + (at_end ? "$" : "")});
  argv.push_back("--");
  argv.insert(argv.end(), files.begin(), files.end());
  return run(std::move(argv));
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
    long long seconds = 0;
    // A duration starting with '-' would be read by timeout as one of its options.
    if (args.size() < 2 || args[0].empty() || args[0].find_first_not_of("0123456789") != std::string::npos ||
        !parse_batch_integer(args[0], seconds))
      return unsupported("'boundcmd " + join(args, 0) + "': expected 'boundcmd SECONDS command [args]'");
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
