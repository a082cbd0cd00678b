#include "batch_interpreter.hpp"

#include <fcntl.h>
#include <glob.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "batch_expansion.hpp"
#include "batch_for_lines.hpp"
#include "batch_frame.hpp"
#include "batch_parser.hpp"
#include "batch_text.hpp"
#include "linux_command_map.hpp"

namespace haven::cmd {
namespace {

// cmd stops at about this depth too ("maximum recursion depth exceeded").
constexpr int kMaxCallDepth = 200;

bool is_null_device(std::string_view target) {
  const auto lower = to_lower(target);
  return lower == "nul" || lower == "nul:" || lower == "\\\\.\\nul" || lower == "/dev/null";
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::not_found, "cannot read batch file " + path + ": it does not exist or is not readable");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool has_batch_extension(std::string_view name) {
  const auto lower = to_lower(name);
  return lower.size() > 4 && (lower.ends_with(".cmd") || lower.ends_with(".bat"));
}

std::string without_exe(std::string name) {
  const auto lower = to_lower(name);
  if (lower.ends_with(".exe") || lower.ends_with(".com")) name.resize(name.size() - 4);
  return name;
}

// The command name and the rest, as cmd splits them: `echo.` and `cd..` are commands too.
std::pair<std::string, std::string> split_command(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_delimiter(text[i])) ++i;
  const auto start = i;
  bool quoted = false;
  while (i < text.size() && (quoted || !is_delimiter(text[i]))) {
    if (text[i] == '"') quoted = !quoted;
    ++i;
  }
  std::string name(text.substr(start, i - start));
  std::string rest(text.substr(i));
  const auto lower = to_lower(name);
  for (const char* builtin : {"echo", "cd", "chdir", "type"}) {
    const auto n = std::strlen(builtin);
    if (lower.size() > n && lower.compare(0, n, builtin) == 0 &&
        std::string_view(".:/\\(+[]").find(lower[n]) != std::string_view::npos) {
      rest = name.substr(n) + rest;
      name.resize(n);
      break;
    }
  }
  return {name, rest};
}

NodePtr with_for_values(const Node& node, const std::vector<ForValue>& values, const std::string& cwd);

std::vector<Redirection> redirections_with(const std::vector<Redirection>& in, const std::vector<ForValue>& values,
                                           const std::string& cwd) {
  auto out = in;
  for (auto& r : out) r.target = substitute_for_variables(r.target, values, cwd);
  return out;
}

// A copy of a parsed for body with the values in its text: the values never reach the parser.
NodePtr with_for_values(const Node& node, const std::vector<ForValue>& values, const std::string& cwd) {
  auto copy = std::make_unique<Node>();
  const auto sub = [&](const std::string& text) { return substitute_for_variables(text, values, cwd); };
  const auto child = [&](const NodePtr& p) { return p ? with_for_values(*p, values, cwd) : NodePtr{}; };
  if (const auto* simple = std::get_if<SimpleCommand>(&node.value)) {
    SimpleCommand c;
    c.text = sub(simple->text);
    c.redirections = redirections_with(simple->redirections, values, cwd);
    c.echo_off = simple->echo_off;
    c.for_values = simple->for_values || c.text != simple->text;
    copy->value = std::move(c);
  } else if (const auto* block = std::get_if<Block>(&node.value)) {
    Block b;
    for (const auto& n : block->body) b.body.push_back(child(n));
    b.redirections = redirections_with(block->redirections, values, cwd);
    copy->value = std::move(b);
  } else if (const auto* ifc = std::get_if<IfCommand>(&node.value)) {
    IfCommand c;
    c.kind = ifc->kind;
    c.negate = ifc->negate;
    c.ignore_case = ifc->ignore_case;
    c.left = sub(ifc->left);
    c.op = ifc->op;
    c.right = sub(ifc->right);
    c.then_branch = child(ifc->then_branch);
    c.else_branch = child(ifc->else_branch);
    copy->value = std::move(c);
  } else if (const auto* forc = std::get_if<ForCommand>(&node.value)) {
    ForCommand c;
    c.numeric = forc->numeric;
    c.lines = forc->lines;
    c.options = sub(forc->options);
    c.variable = forc->variable;
    c.set = sub(forc->set);
    c.body = forc->body;
    c.tree = child(forc->tree);
    copy->value = std::move(c);
  } else if (const auto* chain = std::get_if<Chain>(&node.value)) {
    Chain c;
    c.op = chain->op;
    c.left = child(chain->left);
    c.right = child(chain->right);
    copy->value = std::move(c);
  } else {
    copy->value = Comment{};
  }
  return copy;
}

}  // namespace

class BatchInterpreter::StreamGuard {
 public:
  explicit StreamGuard(BatchInterpreter& owner) : owner_(owner), saved_(owner.streams_) {}
  ~StreamGuard() {
    owner_.streams_ = saved_;
    for (int fd : opened_) ::close(fd);
  }
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;
  void own(int fd) { opened_.push_back(fd); }

 private:
  BatchInterpreter& owner_;
  BatchStreams saved_;
  std::vector<int> opened_;
};

BatchInterpreter::BatchInterpreter(BatchSystem& system, BatchOptions options)
    : system_(system),
      env_(options.environment),
      cwd_(std::move(options.cwd)),
      streams_(options.streams),
      notice_(std::move(options.notice)),
      keep_going_(std::move(options.keep_going)) {
  if (cwd_.empty()) {
    std::error_code ec;
    cwd_ = std::filesystem::current_path(ec).string();
  }
}

Error BatchInterpreter::error_here(Errc code, const std::string& message) const {
  const std::string file = frame_ != nullptr ? frame_->source->path : std::string("(batch)");
  return fail(code, file + ":" + std::to_string(line_) + ": " + message);
}

void BatchInterpreter::write_out(std::string_view text) const {
  while (!text.empty()) {
    const auto n = ::write(streams_.out, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void BatchInterpreter::write_err(std::string_view text) const {
  while (!text.empty()) {
    const auto n = ::write(streams_.err, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void BatchInterpreter::set_errorlevel(int code) {
  errorlevel_ = code;
  last_failed_ = code != 0;
}

std::optional<std::string> BatchInterpreter::variable(std::string_view name) const {
  if (auto v = env_.get(name)) return v;
  const auto upper = to_upper(name);
  if (upper == "ERRORLEVEL") return std::to_string(errorlevel_);
  if (upper == "CD") return cwd_;
  if (upper == "__CD__") return cwd_.ends_with('/') ? cwd_ : cwd_ + "/";
  if (upper == "CMDEXTVERSION") return std::string("2");
  if (upper == "CMDCMDLINE") return std::string("haven-hook");
  if (upper == "RANDOM") {
    static std::mt19937 generator(std::random_device{}());
    return std::to_string(std::uniform_int_distribution<int>(0, 32767)(generator));
  }
  if (upper == "DATE" || upper == "TIME") {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[32];
    const auto centis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000 / 10;
    if (upper == "DATE") std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    else std::snprintf(buf, sizeof buf, "%2d:%02d:%02d.%02d", tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(centis));
    return std::string(buf);
  }
  return std::nullopt;
}

std::string BatchInterpreter::expand_line(std::string_view line) const {
  ExpansionScope scope;
  scope.variable = [this](std::string_view name) { return variable(name); };
  if (frame_ != nullptr) {
    for (std::size_t i = frame_->shift; i < frame_->args.size(); ++i) scope.args.push_back(frame_->args[i]);
    scope.all_args = frame_->all_args;
    scope.script_path = frame_->source->path;
  }
  scope.cwd = cwd_;
  return expand_percent(line, scope);
}

std::string BatchInterpreter::delayed(std::string_view text) const {
  if (!delayed_) return std::string(text);
  return expand_delayed(text, [this](std::string_view name) { return variable(name); });
}

std::string BatchInterpreter::resolve_path(std::string_view path) const {
  const auto plain = separators_after_folders(strip_quotes(path));
  if (is_null_device(plain)) return "/dev/null";
  std::filesystem::path p(plain);
  if (p.is_relative()) p = std::filesystem::path(cwd_) / p;
  return p.lexically_normal().string();
}

// A Linux file name may hold a backslash, so one is left alone unless what is before it is an
// existing folder: then it is a Windows separator ("%SAFEUSERBIN%\start.cmd", "%~dp0\x").
std::string BatchInterpreter::separators_after_folders(std::string path) const {
  for (auto at = path.find('\\'); at != std::string::npos; at = path.find('\\', at + 1)) {
    std::filesystem::path prefix(path.substr(0, at));
    if (prefix.empty()) continue;
    if (prefix.is_relative()) prefix = std::filesystem::path(cwd_) / prefix;
    std::error_code ec;
    if (std::filesystem::is_directory(prefix, ec)) path[at] = '/';
  }
  return path;
}

Result<int> BatchInterpreter::run_file(const std::string& file, const std::vector<std::string>& args) {
  std::string args_text;
  for (const auto& a : args) args_text += (args_text.empty() ? "" : " ") + quote_batch_argument(a);
  auto flow = run_batch(file, file, args_text, true);
  if (!flow.ok()) return std::move(flow).error();
  return flow.value().kind == Flow::Kind::exit_process ? flow.value().code : errorlevel_;
}

Result<BatchInterpreter::Flow> BatchInterpreter::run_batch(const std::string& path, const std::string& shown_name,
                                                          const std::string& args_text, bool via_call) {
  if (call_depth_ >= kMaxCallDepth)
    return error_here(Errc::refused, "calls nested more than " + std::to_string(kMaxCallDepth) +
                                         " deep (a call that never returns?) while calling " + path);
  auto text = read_text_file(path);
  if (!text.ok()) {
    if (frame_ == nullptr) return std::move(text).error();
    return error_here(Errc::not_found, text.error().message);
  }
  Frame frame;
  frame.source = std::make_shared<const BatchSource>(make_batch_source(path, text.value()));
  frame.is_cmd = to_lower(path).ends_with(".cmd");
  frame.args.push_back(shown_name);
  for (auto& a : split_batch_arguments(args_text)) frame.args.push_back(std::move(a));
  auto trimmed = args_text;
  while (!trimmed.empty() && is_delimiter(trimmed.front())) trimmed.erase(0, 1);
  frame.all_args = trimmed;
  frame.scope_base = scopes_.size();
  for (const auto& w : frame.source->warnings) write_err(w + "\n");

  Frame* const caller = frame_;
  const auto caller_line = line_;
  ++call_depth_;
  auto flow = run_frame(frame, 0);
  --call_depth_;
  endlocal_to(frame.scope_base);
  frame_ = caller;
  line_ = caller_line;
  if (!flow.ok()) return flow;
  if (flow.value().kind == Flow::Kind::exit_process) return flow;
  set_errorlevel(flow.value().code);
  // Without `call`, a batch file never returns to its caller: the caller ends too.
  if (!via_call) return Flow{Flow::Kind::leave_batch, {}, errorlevel_};
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::run_frame(Frame& frame, std::size_t first_line) {
  frame_ = &frame;
  const auto& lines = frame.source->lines;
  std::size_t i = first_line;
  while (i < lines.size()) {
    const auto& raw = lines[i];
    if (is_label_line(raw) || raw.find_first_not_of(" \t,;=") == std::string::npos) {
      ++i;
      continue;
    }
    line_ = i + 1;
    std::string text = expand_line(raw);
    ParsedStatement statement;
    while (true) {
      auto parsed = parse_statement(text);
      if (!parsed.ok()) {
        const auto& e = parsed.error();
        const auto what = e.code == Errc::unsupported ? "not supported by haven's batch interpreter: "
                                                      : "syntax error: ";
        return error_here(e.code, what + e.message);
      }
      if (!parsed.value().incomplete) {
        statement = std::move(parsed).value();
        break;
      }
      if (i + 1 >= lines.size())
        return error_here(Errc::parse_error, "syntax error: " + parsed.value().incomplete_reason + " before the end of the file");
      ++i;
      text += "\n";
      text += expand_line(lines[i]);
    }
    ++i;
    if (echo_on_ && raw.find_first_not_of(" \t") != std::string::npos && raw[raw.find_first_not_of(" \t")] != '@')
      write_out("\n" + cwd_ + ">" + text + "\n");
    auto flow = execute(*statement.node);
    if (!flow.ok()) return flow;
    switch (flow.value().kind) {
      case Flow::Kind::next: break;
      case Flow::Kind::go_to: {
        const auto target = frame.source->find_label(flow.value().label, i);
        if (!target)
          return error_here(Errc::not_found, "goto: there is no label :" + flow.value().label + " in " +
                                                 frame.source->path + " (cmd stops the whole batch here)");
        i = *target + 1;
        break;
      }
      case Flow::Kind::leave_batch:
      case Flow::Kind::exit_process: return flow;
    }
  }
  return Flow{Flow::Kind::leave_batch, {}, errorlevel_};
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute(const Node& node) {
  if (keep_going_ && !keep_going_())
    return error_here(Errc::refused, "the run was stopped: it reached the step, time or memory limit set by its caller");
  if (std::holds_alternative<Comment>(node.value)) return Flow{};
  if (const auto* simple = std::get_if<SimpleCommand>(&node.value)) return execute_simple(*simple, false);
  if (const auto* block = std::get_if<Block>(&node.value)) return execute_block(*block);
  if (const auto* ifc = std::get_if<IfCommand>(&node.value)) return execute_if(*ifc);
  if (const auto* forc = std::get_if<ForCommand>(&node.value)) return execute_for(*forc);
  const auto& chain = std::get<Chain>(node.value);
  if (chain.op == Chain::Op::pipe) return execute_pipe(chain);
  auto left = execute(*chain.left);
  if (!left.ok() || left.value().kind != Flow::Kind::next) return left;
  if (chain.op == Chain::Op::on_success && last_failed_) return Flow{};
  if (chain.op == Chain::Op::on_failure && !last_failed_) return Flow{};
  return execute(*chain.right);
}

// The left side runs to its end into an in-memory file, which the right side then reads:
// the same result as cmd's concurrent pipe for every producer that ends.
Result<BatchInterpreter::Flow> BatchInterpreter::execute_pipe(const Chain& chain) {
  const int buffer = ::memfd_create("haven-batch-pipe", MFD_CLOEXEC);
  if (buffer < 0) return error_here(Errc::io_error, std::string("cannot make the buffer of a pipe: ") + std::strerror(errno));
  StreamGuard reader(*this);
  reader.own(buffer);
  {
    StreamGuard writer(*this);
    streams_.out = buffer;
    auto left = execute(*chain.left);
    if (!left.ok()) return left;
  }
  ::lseek(buffer, 0, SEEK_SET);
  streams_.in = buffer;
  return execute(*chain.right);
}

Result<bool> BatchInterpreter::apply_redirections(const std::vector<Redirection>& redirections, StreamGuard& guard) {
  for (const auto& r : redirections) {
    if (r.fd < 0 || r.fd > 2)
      return error_here(Errc::unsupported, "not supported by haven's batch interpreter: redirection of handle " +
                                               std::to_string(r.fd) + " (only 0, 1 and 2)");
    int fd = -1;
    if (r.kind == Redirection::Kind::duplicate) {
      if (r.source_fd < 0 || r.source_fd > 2)
        return error_here(Errc::unsupported, "not supported by haven's batch interpreter: handle " +
                                                 std::to_string(r.source_fd) + " (only 0, 1 and 2)");
      fd = r.source_fd == 0 ? streams_.in : r.source_fd == 1 ? streams_.out : streams_.err;
    } else {
      const auto path = resolve_path(delayed(r.target));
      int flags = O_CLOEXEC;
      if (r.kind == Redirection::Kind::read) flags |= O_RDONLY;
      else flags |= O_WRONLY | O_CREAT | (r.kind == Redirection::Kind::append ? O_APPEND : O_TRUNC);
      fd = ::open(path.c_str(), flags, 0644);
      if (fd < 0) {
        write_err("The system cannot find the path specified: " + path + " (" + std::strerror(errno) + ")\n");
        set_errorlevel(1);
        return false;
      }
      guard.own(fd);
    }
    (r.fd == 0 ? streams_.in : r.fd == 1 ? streams_.out : streams_.err) = fd;
  }
  return true;
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute_block(const Block& block) {
  StreamGuard guard(*this);
  auto redirected = apply_redirections(block.redirections, guard);
  if (!redirected.ok()) return std::move(redirected).error();
  if (!redirected.value()) return Flow{};
  for (const auto& node : block.body) {
    auto flow = execute(*node);
    if (!flow.ok() || flow.value().kind != Flow::Kind::next) return flow;
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute_if(const IfCommand& c) {
  bool truth = false;
  const auto left = delayed(c.left);
  switch (c.kind) {
    case IfCommand::Kind::errorlevel: {
      long long n = 0;
      if (!parse_batch_integer(left, n))
        return error_here(Errc::parse_error, "syntax error: 'if errorlevel' expects a number, not '" + left + "'");
      truth = errorlevel_ >= n;
      break;
    }
    case IfCommand::Kind::defined: truth = env_.defined(left); break;
    case IfCommand::Kind::exist: {
      auto path = resolve_path(left);
      const auto lower = to_lower(strip_quotes(left));
      if (lower.ends_with("\\nul") || lower.ends_with("/nul")) {
        // The old idiom "if exist dir\nul": true when dir is a directory.
        path = resolve_path(strip_quotes(left).substr(0, lower.size() - 4));
        truth = std::filesystem::is_directory(path);
      } else if (path.find_first_of("*?") != std::string::npos) {
        glob_t g{};
        truth = ::glob(path.c_str(), 0, nullptr, &g) == 0 && g.gl_pathc > 0;
        ::globfree(&g);
      } else {
        std::error_code ec;
        truth = std::filesystem::exists(path, ec);
      }
      break;
    }
    case IfCommand::Kind::compare: {
      const auto right = delayed(c.right);
      if (c.op == "==") {
        truth = c.ignore_case ? iequals(left, right) : left == right;
        break;
      }
      long long a = 0, b = 0;
      int order = 0;
      if (parse_batch_integer(left, a) && parse_batch_integer(right, b)) {
        order = a < b ? -1 : a > b ? 1 : 0;
      } else {
        const auto x = c.ignore_case ? to_lower(left) : left;
        const auto y = c.ignore_case ? to_lower(right) : right;
        const int cmp = x.compare(y);
        order = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
      }
      if (c.op == "EQU") truth = order == 0;
      else if (c.op == "NEQ") truth = order != 0;
      else if (c.op == "LSS") truth = order < 0;
      else if (c.op == "LEQ") truth = order <= 0;
      else if (c.op == "GTR") truth = order > 0;
      else truth = order >= 0;
      break;
    }
  }
  if (c.negate) truth = !truth;
  if (truth) return execute(*c.then_branch);
  if (c.else_branch) return execute(*c.else_branch);
  return Flow{};
}

Result<std::string> BatchInterpreter::capture_output(const std::string& command_line) {
  auto parsed = parse_statement(command_line);
  if (!parsed.ok()) return error_here(parsed.error().code, "in the command of a for /f: " + parsed.error().message);
  if (parsed.value().incomplete)
    return error_here(Errc::parse_error, "in the command of a for /f: " + parsed.value().incomplete_reason);
  const int buffer = ::memfd_create("haven-batch-for", MFD_CLOEXEC);
  if (buffer < 0) return error_here(Errc::io_error, std::string("cannot capture a command's output: ") + std::strerror(errno));
  StreamGuard guard(*this);
  guard.own(buffer);
  streams_.out = buffer;
  auto flow = execute(*parsed.value().node);
  if (!flow.ok()) return std::move(flow).error();
  std::string out;
  char chunk[4096];
  ::lseek(buffer, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(buffer, chunk, sizeof chunk)) > 0;) out.append(chunk, static_cast<std::size_t>(n));
  return out;
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute_for_lines(const ForCommand& f) {
  auto options = parse_for_lines_options(delayed(f.options));
  if (!options.ok()) {
    const auto what = options.error().code == Errc::unsupported ? "not supported by haven's batch interpreter: " : "syntax error: ";
    return error_here(options.error().code, what + options.error().message);
  }
  auto set = delayed(f.set);
  while (!set.empty() && is_blank(set.front())) set.erase(0, 1);
  while (!set.empty() && is_blank(set.back())) set.pop_back();
  const char command_quote = options.value().usebackq ? '`' : '\'';
  const char string_quote = options.value().usebackq ? '\'' : '"';
  std::string content;
  if (set.size() >= 2 && set.front() == command_quote && set.back() == command_quote) {
    auto output = capture_output(set.substr(1, set.size() - 2));
    if (!output.ok()) return std::move(output).error();
    content = std::move(output).value();
  } else if (set.size() >= 2 && set.front() == string_quote && set.back() == string_quote) {
    content = set.substr(1, set.size() - 2);
  } else {
    for (const auto& name : split_batch_arguments(set)) {
      const auto path = resolve_path(name);
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        write_err("The system cannot find the file " + path + ".\n");
        set_errorlevel(1);
        return Flow{};
      }
      std::ostringstream buf;
      buf << in.rdbuf();
      content += buf.str();
      if (!content.empty() && content.back() != '\n') content += '\n';
    }
  }
  std::size_t start = 0;
  int line_number = 0;
  while (start < content.size()) {
    auto end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number++ < options.value().skip) continue;
    const auto values = split_for_line(line, options.value());
    if (!values) continue;
    std::vector<ForValue> named;
    for (std::size_t k = 0; k < values->size(); ++k)
      named.push_back(ForValue{static_cast<char>(f.variable + static_cast<int>(k)), (*values)[k]});
    const auto body = with_for_values(*f.tree, named, cwd_);
    auto flow = execute(*body);
    if (!flow.ok() || flow.value().kind != Flow::Kind::next) return flow;
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute_for(const ForCommand& f) {
  if (f.lines) return execute_for_lines(f);
  const auto set = delayed(f.set);
  std::vector<std::string> items;
  if (f.numeric) {
    const auto parts = split_batch_arguments(set);
    long long v[3] = {0, 0, 0};
    for (std::size_t k = 0; k < 3 && k < parts.size(); ++k)
      if (!parse_batch_integer(parts[k], v[k]))
        return error_here(Errc::parse_error, "syntax error: 'for /l' expects (start,step,end) numbers, not (" + set + ")");
    if (v[1] == 0) return error_here(Errc::invalid_argument, "'for /l' with a step of 0 never ends: (" + set + ")");
    // Counted, not listed: a range may be far longer than memory allows.
    for (long long n = v[0]; v[1] > 0 ? n <= v[2] : n >= v[2]; n += v[1]) {
      auto flow = run_for_body(f, std::to_string(n));
      if (!flow.ok() || flow.value().kind != Flow::Kind::next) return flow;
    }
    return Flow{};
  } else {
    for (const auto& item : split_batch_arguments(set)) {
      if (item.find_first_of("*?") == std::string::npos) {
        items.push_back(item);
        continue;
      }
      const auto pattern = resolve_path(item);
      glob_t g{};
      if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        const bool relative = std::filesystem::path(strip_quotes(item)).is_relative();
        for (std::size_t k = 0; k < g.gl_pathc; ++k) {
          std::filesystem::path match(g.gl_pathv[k]);
          // cmd gives back a match the way the pattern was written: relative stays relative.
          items.push_back(relative ? std::filesystem::relative(match, cwd_).string() : match.string());
        }
      }
      ::globfree(&g);
    }
  }
  for (const auto& item : items) {
    auto flow = run_for_body(f, item);
    if (!flow.ok() || flow.value().kind != Flow::Kind::next) return flow;
  }
  return Flow{};
}

Result<BatchInterpreter::Flow> BatchInterpreter::run_for_body(const ForCommand& f, const std::string& value) {
  const auto body = with_for_values(*f.tree, {ForValue{f.variable, value}}, cwd_);
  return execute(*body);
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute_simple(const SimpleCommand& command, bool via_call) {
  StreamGuard guard(*this);
  auto redirected = apply_redirections(command.redirections, guard);
  if (!redirected.ok()) return std::move(redirected).error();
  if (!redirected.value()) return Flow{};
  const auto text = delayed(command.text);
  auto [name, rest] = split_command(text);
  if (name.empty()) return Flow{};
  const auto lower = to_lower(name);
  if (lower == "call") return builtin_call(rest, command.for_values);
  if (is_builtin(lower)) return run_builtin(lower, rest);
  return execute_program(name, rest, via_call);
}

std::optional<std::string> BatchInterpreter::find_batch_file(const std::string& name) const {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  const fs::path p(name);
  if (p.is_absolute()) {
    candidates.push_back(p);
  } else {
    candidates.push_back(fs::path(cwd_) / p);
    // Hooks call their siblings by bare name; the hook's own folder is where they are.
    if (frame_ != nullptr) candidates.push_back(fs::path(frame_->source->path).parent_path() / p);
    if (name.find('/') == std::string::npos) {
      const auto path = env_.get("PATH").value_or("");
      std::size_t start = 0;
      while (start <= path.size()) {
        auto end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        if (end > start) candidates.push_back(fs::path(path.substr(start, end - start)) / p);
        start = end + 1;
      }
    }
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
  }
  return std::nullopt;
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute_program(const std::string& written, const std::string& rest,
                                                                 bool via_call) {
  const auto name = separators_after_folders(strip_quotes(written));
  const auto args = split_program_arguments(rest);
  const auto slash = name.find_last_of('/');
  const auto base = slash == std::string::npos ? name : name.substr(slash + 1);
  const auto helper_name = to_lower(without_exe(base));
  const ServiceMap services(env_.get("CMD_SERVICE_MAP").value_or(env_.get("HAVEN_SERVICE_MAP").value_or("")));

  if (slash == std::string::npos) {
    if (auto mapped = map_windows_command(helper_name, args, services)) return execute_mapped(*mapped, name + rest);
    if (auto mapped = map_text_search(helper_name, split_batch_arguments(rest))) return execute_mapped(*mapped, name + rest);
  }
  if (has_batch_extension(name)) {
    if (auto file = find_batch_file(name)) return run_batch(*file, name, rest, via_call);
    return not_recognized(written, "the batch file '" + name + "' is not found (looked in " + cwd_ +
                                       ", beside this script and in PATH)");
  }
  const auto path_variable = env_.get("PATH").value_or("");
  auto program = system_.find_program(name, path_variable, cwd_);
  if (!program && without_exe(name) != name) program = system_.find_program(without_exe(name), path_variable, cwd_);
  if (program) {
    std::vector<std::string> argv{*program};
    argv.insert(argv.end(), args.begin(), args.end());
    auto code = spawn(*program, std::move(argv));
    if (!code.ok()) return std::move(code).error();
    set_errorlevel(code.value());
    return Flow{};
  }
  if (auto mapped = map_seed_helper(helper_name, args)) return execute_mapped(*mapped, name + rest);
  for (const char* ext : {".cmd", ".bat"})
    if (auto file = find_batch_file(name + ext)) return run_batch(*file, name, rest, via_call);
  return not_recognized(written, "'" + name + "' is not a batch built-in, and no program of that name is in PATH (" +
                                     path_variable + ")" + (slash == std::string::npos ? "" : " or at that path") +
                                     ". A Windows program must be replaced by its Linux equivalent: see docs/hooks-cmd.md");
}

// cmd.exe goes on after an unknown program, and so do scripts written for it ("x || echo
// fallback"): the same message and errorlevel, and a line in the module log to find it.
Result<BatchInterpreter::Flow> BatchInterpreter::not_recognized(const std::string& written, const std::string& why) {
  write_err("'" + written + "' is not recognized as an internal or external command,\noperable program or batch file.\n");
  set_errorlevel(9009);
  notice(error_here(Errc::not_found, why + " (errorlevel 9009; the script goes on, as in cmd.exe)").message);
  return Flow{};
}

void BatchInterpreter::notice(const std::string& message) const {
  if (notice_) notice_(message);
}

Result<BatchInterpreter::Flow> BatchInterpreter::execute_mapped(const MappedCommand& mapped, const std::string& written) {
  switch (mapped.kind) {
    case MappedCommand::Kind::unsupported:
      return error_here(Errc::unsupported, "not supported by haven's batch interpreter on Linux: " + mapped.message);
    case MappedCommand::Kind::sleep:
      system_.sleep_seconds(mapped.seconds);
      set_errorlevel(0);
      return Flow{};
    case MappedCommand::Kind::fail:
      write_err(mapped.message + "\n");
      set_errorlevel(mapped.fail_code);
      return Flow{};
    case MappedCommand::Kind::run: break;
  }
  const auto program = system_.find_program(mapped.argv.front(), env_.get("PATH").value_or(""), cwd_);
  if (!program) {
    std::string linux_line;
    for (const auto& a : mapped.argv) linux_line += (linux_line.empty() ? "" : " ") + a;
    return error_here(Errc::not_found, "'" + written + "' runs '" + linux_line + "' on Linux, but " +
                                           mapped.argv.front() + " is not in PATH");
  }
  std::vector<std::string> argv = mapped.argv;
  argv.front() = *program;
  auto code = spawn(*program, std::move(argv));
  if (!code.ok()) return std::move(code).error();
  int exit_code = code.value();
  if (mapped.exit_code_map && exit_code == mapped.exit_code_map->first) exit_code = mapped.exit_code_map->second;
  set_errorlevel(exit_code);
  return Flow{};
}

Result<int> BatchInterpreter::spawn(const std::string& program, std::vector<std::string> argv) {
  ProcessRequest request;
  request.program = program;
  request.argv = std::move(argv);
  request.environment = env_.to_envp();
  request.cwd = cwd_;
  request.stdin_fd = streams_.in;
  request.stdout_fd = streams_.out;
  request.stderr_fd = streams_.err;
  auto code = system_.run(request);
  if (!code.ok()) return error_here(code.error().code, code.error().message);
  return code;
}

}  // namespace haven::cmd
