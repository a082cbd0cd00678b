// The commands cmd runs itself (echo, set, goto, call, cd, del, copy...), working on the
// interpreter's variables, current directory and streams.
#include <glob.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "batch_arithmetic.hpp"
#include "batch_frame.hpp"
#include "batch_interpreter.hpp"
#include "batch_parser.hpp"
#include "batch_text.hpp"

namespace haven::cmd {
namespace {

namespace fs = std::filesystem;

std::string trim_leading(std::string_view s) {
  while (!s.empty() && is_delimiter(s.front())) s.remove_prefix(1);
  return std::string(s);
}

std::string trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return std::string(s);
}

struct Operands {
  std::vector<std::string> values;  // quotes removed
  std::set<std::string> switches;   // lowercase, with the slash
  std::string refused;              // the first switch not allowed, as written
};

Operands operands(const std::string& rest, std::initializer_list<const char*> allowed) {
  Operands out;
  for (const auto& token : split_batch_arguments(rest)) {
    if (token.size() >= 2 && token.front() == '/') {
      const auto lower = to_lower(token);
      bool ok = false;
      for (const char* a : allowed) ok = ok || lower == a;
      if (!ok && out.refused.empty()) out.refused = token;
      out.switches.insert(lower);
      continue;
    }
    out.values.push_back(strip_quotes(token));
  }
  return out;
}

}  // namespace

bool BatchInterpreter::is_builtin(const std::string& name) const {
  static const std::set<std::string> kBuiltins = {
      "echo", "set",   "goto", "call",  "exit", "setlocal", "endlocal", "shift", "cd",   "chdir",
      "pushd", "popd", "type", "del",   "erase", "mkdir",   "md",       "rmdir", "rd",   "copy",
      "move", "cls",   "title", "color", "ver",  "pause",   "verify",   "break", "path", "prompt"};
  return kBuiltins.count(name) != 0;
}

Result<BatchInterpreter::Flow> BatchInterpreter::run_builtin(const std::string& name, const std::string& rest) {
  const auto refuse = [&](const std::string& sw) {
    return error_here(Errc::unsupported,
                      "not supported by haven's batch interpreter: the switch '" + sw + "' of '" + name + "'");
  };
  if (name == "echo") return builtin_echo(rest, !rest.empty() && !is_delimiter(rest.front()));
  if (name == "set") return builtin_set(rest);
  if (name == "goto") return builtin_goto(rest);
  if (name == "call") return builtin_call(rest);
  if (name == "exit") return builtin_exit(rest);
  if (name == "setlocal") return builtin_setlocal(rest);
  if (name == "endlocal") return builtin_endlocal();
  if (name == "shift") return builtin_shift(rest);
  if (name == "cd" || name == "chdir") return builtin_cd(rest);
  if (name == "pushd") return builtin_pushd(rest);
  if (name == "popd") return builtin_popd();
  if (name == "type") return builtin_type(rest);
  if (name == "del" || name == "erase") return builtin_del(rest);
  if (name == "mkdir" || name == "md") return builtin_mkdir(rest);
  if (name == "rmdir" || name == "rd") return builtin_rmdir(rest);
  if (name == "copy") return builtin_copy(rest, false);
  if (name == "move") return builtin_copy(rest, true);
  if (name == "pause") {
    write_out("Press any key to continue . . . \n");
    return Flow{};
  }
  if (name == "ver") {
    write_out("\nhaven batch interpreter (cmd.exe compatible subset) on Linux\n");
    return Flow{};
  }
  if (name == "path") {
    const auto value = trim_leading(rest);
    if (value.empty()) {
      write_out("PATH=" + env_.get("PATH").value_or("") + "\n");
    } else {
      env_.set("PATH", value == ";" ? std::string() : value);
    }
    return Flow{};
  }
  if (name == "cls" || name == "title" || name == "color" || name == "prompt" || name == "verify" || name == "break") {
    const auto ops = operands(rest, {});
    if (name == "cls" && !ops.refused.empty()) return refuse(ops.refused);
    return Flow{};  // nothing to do without a console
  }
  return error_here(Errc::internal, "built-in '" + name + "' has no implementation");
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_echo(const std::string& rest, bool dotted) {
  last_failed_ = false;
  if (dotted) {
    write_out(rest.substr(1) + "\n");
    return Flow{};
  }
  const auto body = rest.empty() ? std::string() : rest.substr(1);
  const auto word = to_lower(trim_blanks(body));
  if (word.empty()) {
    write_out(echo_on_ ? "ECHO is on.\n" : "ECHO is off.\n");
  } else if (word == "on" || word == "off") {
    echo_on_ = word == "on";
  } else {
    write_out(body + "\n");
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_set(const std::string& rest) {
  auto args = trim_leading(rest);
  const auto succeed = [&]() {
    if (frame_ != nullptr && frame_->is_cmd) set_errorlevel(0);
    else last_failed_ = false;
    return Flow{};
  };
  if (args.empty()) {
    for (const auto& [name, value] : env_.entries()) write_out(name + "=" + value + "\n");
    return succeed();
  }
  if (args.front() == '/') {
    const auto sw = to_lower(args.substr(0, 2));
    if (sw == "/a" && (args.size() == 2 || is_blank(args[2]) || args[2] == '"'))
      return builtin_set_arithmetic(args.substr(2));
    if (sw == "/p" && (args.size() == 2 || is_blank(args[2]) || args[2] == '"')) {
      auto assignment = trim_blanks(args.substr(2));
      if (!assignment.empty() && assignment.front() == '"') {
        const auto last = assignment.rfind('"');
        assignment = last > 0 ? assignment.substr(1, last - 1) : assignment.substr(1);
      }
      const auto eq = assignment.find('=');
      if (eq == std::string::npos || eq == 0)
        return error_here(Errc::parse_error, "syntax error: 'set /p' expects NAME=prompt");
      write_out(assignment.substr(eq + 1));
      std::string line;
      char c = 0;
      bool got = false;
      while (::read(streams_.in, &c, 1) == 1) {
        got = true;
        if (c == '\n') break;
        if (c != '\r') line += c;
      }
      if (!got) {
        set_errorlevel(1);
        return Flow{};
      }
      env_.set(assignment.substr(0, eq), line);
      return succeed();
    }
    const auto end = args.find_first_of(" \t\"");
    return error_here(Errc::unsupported,
                      "not supported by haven's batch interpreter: the switch '" + args.substr(0, end) + "' of 'set'");
  }
  std::string assignment;
  if (args.front() == '"') {
    const auto last = args.rfind('"');
    assignment = last > 0 ? args.substr(1, last - 1) : args.substr(1);
  } else {
    assignment = args;
  }
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) {
    const auto prefix = trim_blanks(assignment);
    bool any = false;
    for (const auto& [name, value] : env_.entries()) {
      if (name.size() >= prefix.size() && iequals(std::string_view(name).substr(0, prefix.size()), prefix)) {
        write_out(name + "=" + value + "\n");
        any = true;
      }
    }
    if (!any) {
      write_err("Environment variable " + prefix + " not defined\n");
      set_errorlevel(1);
      return Flow{};
    }
    return succeed();
  }
  if (eq == 0) {
    write_err("The syntax of the command is incorrect.\n");
    set_errorlevel(1);
    return Flow{};
  }
  env_.set(assignment.substr(0, eq), assignment.substr(eq + 1));
  return succeed();
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_set_arithmetic(const std::string& expression) {
  auto value = evaluate_arithmetic(
      expression, [this](std::string_view name) { return variable(name); },
      [this](std::string_view name, std::string v) { env_.set(name, std::move(v)); });
  if (!value.ok()) {
    write_err(value.error().message + "\n");
    // cmd's own codes: 1073750993 divide by zero, 1073750988 missing operand and the rest.
    set_errorlevel(value.error().message.rfind("Divide", 0) == 0 ? 1073750993 : 1073750988);
    return Flow{};
  }
  if (frame_ != nullptr && frame_->is_cmd) set_errorlevel(0);
  else last_failed_ = false;
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_goto(const std::string& rest) {
  const auto trimmed = trim_leading(rest);
  const auto label = label_name(trimmed);
  if (label.empty()) return error_here(Errc::parse_error, "syntax error: 'goto' without a label");
  if (label == "eof" && !trimmed.empty() && trimmed.front() == ':')
    return Flow{Flow::Kind::leave_batch, {}, errorlevel_};
  return Flow{Flow::Kind::go_to, label, 0};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_call(const std::string& rest, bool for_values) {
  const auto trimmed = trim_leading(rest);
  if (trimmed.empty()) return error_here(Errc::parse_error, "syntax error: 'call' without a command");
  if (trimmed.front() == ':') {
    const auto label = label_name(trimmed);
    const auto target = frame_->source->find_label(label, line_);
    if (!target) return error_here(Errc::not_found, "call: there is no label :" + label + " in " + frame_->source->path);
    std::size_t after = 1;
    while (after < trimmed.size() && !is_delimiter(trimmed[after])) ++after;
    if (call_depth_ >= 200) return error_here(Errc::refused, "calls nested more than 200 deep (a call :" + label + " that never returns?)");
    Frame frame;
    frame.source = frame_->source;
    frame.is_cmd = frame_->is_cmd;
    frame.args.push_back(trimmed.substr(0, after));
    const auto args_text = delayed(expand_line(trimmed.substr(after)));
    for (auto& a : split_batch_arguments(args_text)) frame.args.push_back(std::move(a));
    frame.all_args = trim_leading(args_text);
    frame.scope_base = scopes_.size();
    Frame* const caller = frame_;
    const auto caller_line = line_;
    ++call_depth_;
    auto flow = run_frame(frame, *target + 1);
    --call_depth_;
    endlocal_to(frame.scope_base);
    frame_ = caller;
    line_ = caller_line;
    if (!flow.ok() || flow.value().kind == Flow::Kind::exit_process) return flow;
    set_errorlevel(flow.value().code);
    return Flow{};
  }
  // call expands the command once more: `call echo %%X%%` shows X's value. A for variable's
  // value in it stays a value (finding 2): the expanded text runs as one command, never
  // parsed again, so a file name or line holding "& x" or "| x" does not become a command.
  if (for_values) {
    SimpleCommand command;
    command.text = expand_line(trimmed);
    command.for_values = true;
    return execute_simple(command, true);
  }
  auto parsed = parse_statement(expand_line(trimmed));
  if (!parsed.ok()) return error_here(parsed.error().code, "in a call: " + parsed.error().message);
  if (parsed.value().incomplete) return error_here(Errc::parse_error, "in a call: " + parsed.value().incomplete_reason);
  const auto& node = *parsed.value().node;
  if (const auto* simple = std::get_if<SimpleCommand>(&node.value)) return execute_simple(*simple, true);
  if (std::holds_alternative<IfCommand>(node.value) || std::holds_alternative<ForCommand>(node.value))
    return error_here(Errc::parse_error, "syntax error: 'call' cannot run an if or a for");
  return execute(node);
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_exit(const std::string& rest) {
  auto tokens = split_batch_arguments(rest);
  bool batch_only = false;
  if (!tokens.empty() && iequals(tokens.front(), "/b")) {
    batch_only = true;
    tokens.erase(tokens.begin());
  }
  int code = errorlevel_;
  if (!tokens.empty()) {
    long long n = 0;
    code = parse_batch_integer(tokens.front(), n) ? static_cast<int>(n) : 0;
  }
  if (batch_only) {
    set_errorlevel(code);
    return Flow{Flow::Kind::leave_batch, {}, code};
  }
  return Flow{Flow::Kind::exit_process, {}, code};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_setlocal(const std::string& rest) {
  scopes_.push_back(SavedScope{env_, cwd_, delayed_});
  const auto ops = operands(rest, {});
  for (const auto& word : ops.values) {
    const auto w = to_lower(word);
    if (w == "enabledelayedexpansion") delayed_ = true;
    else if (w == "disabledelayedexpansion") delayed_ = false;
    else if (w == "enableextensions") {}
    else
      return error_here(Errc::unsupported,
                        "not supported by haven's batch interpreter: 'setlocal " + word +
                            "' (known: EnableDelayedExpansion, DisableDelayedExpansion, EnableExtensions)");
  }
  if (!ops.refused.empty())
    return error_here(Errc::unsupported, "not supported by haven's batch interpreter: 'setlocal " + ops.refused + "'");
  if (!ops.values.empty()) set_errorlevel(0);
  return Flow{};
}

void BatchInterpreter::endlocal_to(std::size_t depth) {
  while (scopes_.size() > depth) {
    auto& top = scopes_.back();
    env_ = std::move(top.env);
    cwd_ = std::move(top.cwd);
    delayed_ = top.delayed;
    scopes_.pop_back();
  }
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_endlocal() {
  const std::size_t floor = frame_ != nullptr ? frame_->scope_base : 0;
  if (scopes_.size() > floor) endlocal_to(scopes_.size() - 1);
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_shift(const std::string& rest) {
  const auto arg = trim_blanks(rest);
  if (arg.empty()) {
    if (frame_->shift < frame_->args.size()) ++frame_->shift;
    return Flow{};
  }
  if (arg.size() == 2 && arg[0] == '/' && arg[1] >= '0' && arg[1] <= '8') {
    const auto at = frame_->shift + static_cast<std::size_t>(arg[1] - '0');
    if (at < frame_->args.size()) frame_->args.erase(frame_->args.begin() + static_cast<std::ptrdiff_t>(at));
    return Flow{};
  }
  return error_here(Errc::unsupported, "not supported by haven's batch interpreter: 'shift " + arg + "' (shift or shift /N)");
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_cd(const std::string& rest) {
  auto arg = trim_leading(rest);
  if (arg.size() >= 2 && iequals(arg.substr(0, 2), "/d") && (arg.size() == 2 || is_blank(arg[2])))
    arg = trim_leading(arg.substr(2));
  arg = trim_blanks(arg);
  if (arg.empty()) {
    write_out(cwd_ + "\n");
    return Flow{};
  }
  auto target = resolve_path(arg);
  std::error_code ec;
  if (!fs::is_directory(target, ec)) {
    write_err("The system cannot find the path specified: " + target + "\n");
    set_errorlevel(1);
    return Flow{};
  }
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  cwd_ = target;
  last_failed_ = false;
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_pushd(const std::string& rest) {
  if (trim_blanks(rest).empty()) return Flow{};
  const auto before = cwd_;
  const auto saved_level = errorlevel_;
  errorlevel_ = 0;
  auto flow = builtin_cd(rest);
  if (!flow.ok()) return flow;
  if (errorlevel_ == 0) {
    directory_stack_.push_back(before);
    errorlevel_ = saved_level;
  }
  return flow;
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_popd() {
  if (!directory_stack_.empty()) {
    cwd_ = directory_stack_.back();
    directory_stack_.pop_back();
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_type(const std::string& rest) {
  const auto ops = operands(rest, {});
  if (!ops.refused.empty())
    return error_here(Errc::unsupported, "not supported by haven's batch interpreter: the switch '" + ops.refused + "' of 'type'");
  if (ops.values.empty()) return error_here(Errc::parse_error, "syntax error: 'type' without a file name");
  last_failed_ = false;
  for (const auto& name : ops.values) {
    const auto path = resolve_path(name);
    std::ifstream in(path, std::ios::binary);
    if (!in || fs::is_directory(path)) {
      write_err("The system cannot find the file specified: " + path + "\n");
      set_errorlevel(1);
      continue;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    write_out(buf.str());
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_del(const std::string& rest) {
  const auto ops = operands(rest, {"/q", "/f"});
  if (!ops.refused.empty())
    return error_here(Errc::unsupported, "not supported by haven's batch interpreter: the switch '" + ops.refused +
                                             "' of 'del' (only /q and /f)");
  if (ops.values.empty()) return error_here(Errc::parse_error, "syntax error: 'del' without a file name");
  last_failed_ = false;
  for (const auto& name : ops.values) {
    const auto path = resolve_path(name);
    std::vector<std::string> targets;
    if (path.find_first_of("*?") != std::string::npos) {
      glob_t g{};
      if (::glob(path.c_str(), 0, nullptr, &g) == 0)
        for (std::size_t k = 0; k < g.gl_pathc; ++k) targets.emplace_back(g.gl_pathv[k]);
      ::globfree(&g);
    } else {
      std::error_code ec;
      if (fs::is_directory(path, ec))
        return error_here(Errc::unsupported, "not supported by haven's batch interpreter: 'del' of a folder (" + path +
                                                 "); delete its files with del \"folder\\*\" or the folder with rd /s /q");
      if (fs::exists(fs::symlink_status(path, ec))) targets.push_back(path);
    }
    bool removed = false;
    for (const auto& t : targets) {
      std::error_code ec;
      if (!fs::is_directory(t, ec) && fs::remove(t, ec)) removed = true;
    }
    if (!removed) {
      write_err("Could Not Find " + path + "\n");
      last_failed_ = true;  // cmd's del leaves errorlevel alone
    }
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_mkdir(const std::string& rest) {
  const auto ops = operands(rest, {});
  if (!ops.refused.empty())
    return error_here(Errc::unsupported, "not supported by haven's batch interpreter: the switch '" + ops.refused + "' of 'mkdir'");
  if (ops.values.empty()) return error_here(Errc::parse_error, "syntax error: 'mkdir' without a folder name");
  last_failed_ = false;
  for (const auto& name : ops.values) {
    const auto path = resolve_path(name);
    std::error_code ec;
    if (fs::exists(path, ec)) {
      write_err("A subdirectory or file " + name + " already exists.\n");
      set_errorlevel(1);
      continue;
    }
    if (!fs::create_directories(path, ec)) {
      write_err("Cannot create the folder " + path + ": " + ec.message() + "\n");
      set_errorlevel(1);
    }
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_rmdir(const std::string& rest) {
  const auto ops = operands(rest, {"/s", "/q"});
  if (!ops.refused.empty())
    return error_here(Errc::unsupported, "not supported by haven's batch interpreter: the switch '" + ops.refused + "' of 'rmdir'");
  if (ops.values.empty()) return error_here(Errc::parse_error, "syntax error: 'rmdir' without a folder name");
  last_failed_ = false;
  for (const auto& name : ops.values) {
    const auto path = resolve_path(name);
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      write_err("The system cannot find the file specified: " + path + "\n");
      set_errorlevel(2);
      continue;
    }
    if (ops.switches.count("/s") != 0) fs::remove_all(path, ec);
    else fs::remove(path, ec);
    if (ec) {
      write_err((ec == std::errc::directory_not_empty ? std::string("The directory is not empty: ") : "Cannot remove ") +
                path + "\n");
      set_errorlevel(145);
    }
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::builtin_copy(const std::string& rest, bool move) {
  const std::string verb = move ? "move" : "copy";
  const auto ops = operands(rest, {"/y", "/-y", "/b", "/a", "/v"});
  if (!ops.refused.empty())
    return error_here(Errc::unsupported, "not supported by haven's batch interpreter: the switch '" + ops.refused +
                                             "' of '" + verb + "'");
  if (ops.values.empty() || ops.values.size() > 2)
    return error_here(Errc::parse_error, "syntax error: '" + verb + "' expects a source and a destination");
  for (const auto& v : ops.values)
    if (v.find_first_of("*?+") != std::string::npos)
      return error_here(Errc::unsupported, "not supported by haven's batch interpreter: '" + verb + " " + v +
                                               "' (wildcards and '+' are not interpreted; copy one file at a time)");
  const auto source = resolve_path(ops.values[0]);
  auto target = resolve_path(ops.values.size() == 2 ? ops.values[1] : std::string("."));
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) {
    write_err("The system cannot find the file specified: " + source + "\n");
    write_out("        0 file(s) " + std::string(move ? "moved" : "copied") + ".\n");
    set_errorlevel(1);
    return Flow{};
  }
  if (fs::is_directory(target, ec)) target = (fs::path(target) / fs::path(source).filename()).string();
  if (move) {
    fs::rename(source, target, ec);
    if (ec) {
      ec.clear();
      if (fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec)) fs::remove(source, ec);
    }
  } else {
    fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
  }
  if (ec) {
    write_err("Cannot " + verb + " " + source + " to " + target + ": " + ec.message() + "\n");
    write_out("        0 file(s) " + std::string(move ? "moved" : "copied") + ".\n");
    set_errorlevel(1);
    return Flow{};
  }
  write_out("        1 file(s) " + std::string(move ? "moved" : "copied") + ".\n");
  set_errorlevel(0);
  return Flow{};
}

}  // namespace haven::cmd
