#include "batch_parser.hpp"

#include <cctype>

#include "batch_text.hpp"

namespace haven::cmd {
namespace {

// Deeper nesting than this is no real script; refusing it keeps the recursion bounded.
constexpr int kMaxDepth = 100;

struct NeedMoreText {
  std::string reason;
};
struct SyntaxFailure {
  Errc code;
  std::string message;
};

template <class T>
NodePtr make(T value) {
  auto node = std::make_unique<Node>();
  node->value = std::move(value);
  return node;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  NodePtr statement() {
    NodePtr node = list();
    skip_blanks();
    if (!at_end()) {
      // A ')' at depth 0 or a stray newline: cmd ignores the rest of such a line.
      if (peek() == ')') return node ? std::move(node) : make(Comment{});
      syntax("unexpected '" + std::string(1, peek()) + "'");
    }
    return node ? std::move(node) : make(Comment{});
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  bool starts_with(std::string_view t) const { return s_.substr(pos_, t.size()) == t; }
  void skip_blanks() {
    while (!at_end() && is_blank(peek())) ++pos_;
  }
  void skip_command_start() {
    while (!at_end() && (is_delimiter(peek()))) ++pos_;
  }
  [[noreturn]] void syntax(const std::string& message) { throw SyntaxFailure{Errc::parse_error, message}; }
  [[noreturn]] void unsupported(const std::string& message) { throw SyntaxFailure{Errc::unsupported, message}; }

  // The next word, lowercased, without moving: letters, digits, '/', up to a delimiter.
  std::string peek_word() const {
    std::size_t end = pos_;
    while (end < s_.size() && !is_delimiter(s_[end]) && s_[end] != '\n' && s_[end] != '(' && s_[end] != ')' &&
           s_[end] != '&' && s_[end] != '|' && s_[end] != '<' && s_[end] != '>' && s_[end] != '"')
      ++end;
    return to_lower(s_.substr(pos_, end - pos_));
  }

  // The commands of one line joined by '&' (a block's lines are parsed one list each).
  NodePtr list() {
    NodePtr result;
    while (true) {
      skip_command_start();
      if (at_end() || peek() == '\n' || (peek() == ')' && depth_ > 0)) break;
      if (peek() == ')' && !result) break;
      NodePtr next = and_or();
      result = result ? chain(Chain::Op::always, std::move(result), std::move(next)) : std::move(next);
      skip_blanks();
      if (peek() == '&' && peek(1) != '&') {
        ++pos_;
        continue;
      }
      break;
    }
    return result;
  }

  // Commands joined by '|': bind tighter than && and ||.
  NodePtr pipeline() {
    NodePtr left = command();
    while (true) {
      skip_blanks();
      if (peek() != '|' || peek(1) == '|') break;
      ++pos_;
      skip_command_start();
      if (at_end() || peek() == '\n' || peek() == ')' || peek() == '&' || peek() == '|')
        syntax("'|' is not followed by a command");
      left = chain(Chain::Op::pipe, std::move(left), command());
    }
    return left;
  }

  NodePtr and_or() {
    NodePtr left = pipeline();
    while (true) {
      skip_blanks();
      Chain::Op op;
      if (starts_with("&&")) op = Chain::Op::on_success;
      else if (starts_with("||")) op = Chain::Op::on_failure;
      else break;
      const std::string written(s_.substr(pos_, 2));
      pos_ += 2;
      skip_command_start();
      if (at_end() || peek() == '\n' || peek() == ')' || peek() == '&' || peek() == '|')
        syntax("'" + written + "' is not followed by a command");
      left = chain(op, std::move(left), pipeline());
    }
    return left;
  }

  static NodePtr chain(Chain::Op op, NodePtr left, NodePtr right) {
    Chain c;
    c.op = op;
    c.left = std::move(left);
    c.right = std::move(right);
    return make(std::move(c));
  }

  NodePtr command() {
    skip_command_start();
    bool echo_off = false;
    while (peek() == '@') {
      echo_off = true;
      ++pos_;
      skip_command_start();
    }
    if (at_end() || peek() == '\n') return make(Comment{});
    if (peek() == '(') return block();
    if (peek() == ':') {
      skip_to_line_end();
      return make(Comment{});
    }
    const auto word = peek_word();
    if (word == "rem" || word.rfind("rem/", 0) == 0) {
      skip_to_line_end();
      return make(Comment{});
    }
    if (word == "if") return if_command();
    if (word == "for") return for_command();
    if (word == "else") syntax("'else' must follow the ')' of its if on the same line: if ... (...) else (...)");
    return simple(echo_off);
  }

  void skip_to_line_end() {
    while (!at_end() && peek() != '\n') ++pos_;
  }

  void enter() {
    if (++depth_ > kMaxDepth) syntax("blocks nested more than " + std::to_string(kMaxDepth) + " deep");
  }

  NodePtr block() {
    ++pos_;  // '('
    enter();
    Block b;
    while (true) {
      while (!at_end() && (is_delimiter(peek()) || peek() == '\n')) ++pos_;
      if (at_end()) throw NeedMoreText{"a block opened with '(' is not closed with ')'"};
      if (peek() == ')') break;
      if (NodePtr line = list()) b.body.push_back(std::move(line));
      skip_blanks();
      if (!at_end() && peek() != '\n' && peek() != ')') syntax("unexpected '" + std::string(1, peek()) + "' in a block");
    }
    ++pos_;  // ')'
    --depth_;
    trailing_redirections(b.redirections);
    return make(std::move(b));
  }

  void trailing_redirections(std::vector<Redirection>& out) {
    while (true) {
      skip_blanks();
      if (peek() == '>' || peek() == '<') {
        out.push_back(redirection(1));
      } else if (std::isdigit(static_cast<unsigned char>(peek())) && (peek(1) == '>' || peek(1) == '<')) {
        const int fd = peek() - '0';
        ++pos_;
        out.push_back(redirection(fd));
      } else {
        return;
      }
    }
  }

  // At '>' or '<'; `fd` is the handle written before it (1 by default, 0 for '<').
  Redirection redirection(int fd) {
    Redirection r;
    if (peek() == '<') {
      r.kind = Redirection::Kind::read;
      r.fd = fd == 1 ? 0 : fd;
      ++pos_;
    } else if (starts_with(">>")) {
      r.kind = Redirection::Kind::append;
      r.fd = fd;
      pos_ += 2;
    } else {
      r.kind = Redirection::Kind::write;
      r.fd = fd;
      ++pos_;
    }
    if (peek() == '&' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
      r.kind = Redirection::Kind::duplicate;
      r.source_fd = peek(1) - '0';
      pos_ += 2;
      return r;
    }
    skip_blanks();
    std::string target;
    bool quoted = false;
    while (!at_end() && peek() != '\n') {
      const char c = peek();
      if (c == '"') {
        quoted = !quoted;
        ++pos_;
        continue;
      }
      if (!quoted) {
        if (is_blank(c) || c == '&' || c == '|' || c == '<' || c == '>' || (c == ')' && depth_ > 0)) break;
        if (c == '^' && pos_ + 1 < s_.size() && s_[pos_ + 1] != '\n') {
          target += s_[pos_ + 1];
          pos_ += 2;
          continue;
        }
      }
      target += c;
      ++pos_;
    }
    if (target.empty()) syntax("a redirection '>' or '<' has no file name after it");
    r.target = std::move(target);
    return r;
  }

  NodePtr simple(bool echo_off) {
    SimpleCommand cmd;
    cmd.echo_off = echo_off;
    bool quoted = false;
    while (!at_end()) {
      const char c = peek();
      if (c == '\n') break;
      if (quoted) {
        if (c == '"') quoted = false;
        cmd.text += c;
        ++pos_;
        continue;
      }
      if (c == '"') {
        quoted = true;
        cmd.text += c;
        ++pos_;
        continue;
      }
      if (c == '^') {
        if (peek(1) == '\n') {
          pos_ += 2;
          continue;
        }
        if (pos_ + 1 >= s_.size()) throw NeedMoreText{"a line ends with the continuation character '^'"};
        cmd.text += peek(1);
        pos_ += 2;
        continue;
      }
      if (c == '&' || c == '|') break;
      if (c == ')' && depth_ > 0) break;
      if (c == '>' || c == '<') {
        int fd = 1;
        const auto& t = cmd.text;
        if (!t.empty() && std::isdigit(static_cast<unsigned char>(t.back())) &&
            (t.size() == 1 || is_delimiter(t[t.size() - 2]))) {
          fd = t.back() - '0';
          cmd.text.pop_back();
        }
        cmd.redirections.push_back(redirection(fd));
        continue;
      }
      cmd.text += c;
      ++pos_;
    }
    return make(std::move(cmd));
  }

  // An if operand: quoted parts keep their quotes; ends at a delimiter or at "==".
  std::string if_token() {
    std::string token;
    bool quoted = false;
    while (!at_end() && peek() != '\n') {
      const char c = peek();
      if (quoted) {
        if (c == '"') quoted = false;
        token += c;
        ++pos_;
        continue;
      }
      if (c == '"') {
        quoted = true;
        token += c;
        ++pos_;
        continue;
      }
      if (starts_with("==") || is_delimiter(c) || c == '&' || c == '|' || (c == ')' && depth_ > 0) || c == '(')
        break;
      if (c == '^' && pos_ + 1 < s_.size()) {
        token += s_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      token += c;
      ++pos_;
    }
    return token;
  }

  NodePtr if_command() {
    pos_ += 2;
    IfCommand ifc;
    skip_blanks();
    while (true) {
      const auto w = peek_word();
      if (w == "/i" && !ifc.ignore_case && !ifc.negate) {
        ifc.ignore_case = true;
      } else if (w == "not" && !ifc.negate) {
        ifc.negate = true;
      } else {
        break;
      }
      pos_ += w.size();
      skip_blanks();
    }
    const auto word = peek_word();
    const bool word_alone = is_blank(peek(word.size()));
    if (word_alone && (word == "errorlevel" || word == "exist" || word == "defined")) {
      pos_ += word.size();
      skip_blanks();
      ifc.kind = word == "errorlevel" ? IfCommand::Kind::errorlevel
                 : word == "exist"    ? IfCommand::Kind::exist
                                      : IfCommand::Kind::defined;
      ifc.left = if_token();
      if (ifc.left.empty()) syntax("'if " + word + "' has nothing after it");
      // A for variable (%a) is a number only once substituted: checked when it runs.
      if (ifc.kind == IfCommand::Kind::errorlevel && ifc.left.find('%') == std::string::npos) {
        long long n = 0;
        if (!parse_batch_integer(ifc.left, n)) syntax("'if errorlevel' expects a number, not '" + ifc.left + "'");
      }
    } else if (word_alone && word == "cmdextversion") {
      unsupported("'if cmdextversion'");
    } else {
      ifc.left = if_token();
      if (ifc.left.empty())
        syntax("'if' has nothing before its comparison (an empty or undefined variable? write if \"%X%\"==\"value\")");
      skip_blanks();
      if (starts_with("==")) {
        pos_ += 2;
        ifc.op = "==";
      } else {
        const auto op = to_upper(peek_word());
        if (op != "EQU" && op != "NEQ" && op != "LSS" && op != "LEQ" && op != "GTR" && op != "GEQ")
          syntax("'if " + ifc.left + "' is not followed by ==, EQU, NEQ, LSS, LEQ, GTR or GEQ");
        pos_ += op.size();
        ifc.op = op;
      }
      skip_blanks();
      ifc.right = if_token();
      if (ifc.right.empty())
        syntax("'if " + ifc.left + " " + ifc.op + "' has nothing to compare with (an empty or undefined variable?)");
    }
    skip_blanks();
    if (at_end() || peek() == '\n' || (peek() == ')' && depth_ > 0)) syntax("'if' has a condition but no command");
    if (peek() == '(') {
      ifc.then_branch = block();
      skip_blanks();
      const auto w = peek_word();
      if (w == "else") {
        pos_ += 4;
        skip_blanks();
        if (at_end() || peek() == '\n') syntax("'else' has no command after it");
        ifc.else_branch = peek() == '(' ? block() : list();
        if (!ifc.else_branch) syntax("'else' has no command after it");
      }
    } else {
      ifc.then_branch = list();
      if (!ifc.then_branch) syntax("'if' has a condition but no command");
    }
    return make(std::move(ifc));
  }

  NodePtr for_command() {
    pos_ += 3;
    ForCommand f;
    skip_blanks();
    while (peek() == '/') {
      const auto sw = peek_word();
      if (sw == "/l") {
        f.numeric = true;
        pos_ += 2;
        skip_blanks();
        continue;
      }
      if (sw == "/f") {
        f.lines = true;
        pos_ += 2;
        skip_blanks();
        if (peek() == '"') {
          const auto close = s_.find('"', pos_ + 1);
          const auto newline = s_.find('\n', pos_ + 1);
          if (close == std::string_view::npos || (newline != std::string_view::npos && newline < close))
            syntax("the options of 'for /f' are not closed with '\"'");
          f.options = std::string(s_.substr(pos_ + 1, close - pos_ - 1));
          pos_ = close + 1;
          skip_blanks();
        }
        continue;
      }
      unsupported("'for " + sw + "' (only 'for %%X in (...)', 'for /l' and 'for /f' are interpreted)");
    }
    if (f.numeric && f.lines) syntax("'for' cannot be both /l and /f");
    if (peek() != '%' || !std::isalpha(static_cast<unsigned char>(peek(1))))
      syntax("'for' expects a variable written %%X in a batch file");
    f.variable = peek(1);
    pos_ += 2;
    skip_blanks();
    if (peek_word() != "in") syntax("'for %%" + std::string(1, f.variable) + "' is not followed by 'in'");
    pos_ += 2;
    skip_blanks();
    if (peek() != '(') syntax("'for ... in' expects a list in parentheses");
    ++pos_;
    // A for /f command may hold parentheses inside its quotes: ('dir (x)').
    char quote = 0;
    while (!at_end() && peek() != '\n' && (quote != 0 || peek() != ')')) {
      const char c = peek();
      if (quote == 0 && (c == '"' || (f.lines && (c == '\'' || c == '`')))) quote = c;
      else if (c == quote) quote = 0;
      f.set += c;
      ++pos_;
    }
    if (peek() != ')') {
      if (at_end()) throw NeedMoreText{"the list of a 'for' is not closed with ')'"};
      syntax("the list of a 'for' is not closed with ')' on its line");
    }
    ++pos_;
    skip_blanks();
    if (peek_word() != "do") syntax("'for ... in (...)' is not followed by 'do'");
    pos_ += 2;
    skip_blanks();
    const auto body_start = pos_;
    NodePtr body = peek() == '(' ? block() : list();
    if (!body) syntax("'for ... do' has no command");
    f.body = std::string(s_.substr(body_start, pos_ - body_start));
    f.tree = std::move(body);
    return make(std::move(f));
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<ParsedStatement> parse_statement(std::string_view text) {
  try {
    Parser parser(text);
    ParsedStatement out;
    out.node = parser.statement();
    return out;
  } catch (const NeedMoreText& more) {
    ParsedStatement out;
    out.incomplete = true;
    out.incomplete_reason = more.reason;
    return out;
  } catch (const SyntaxFailure& f) {
    return fail(f.code, f.message);
  } catch (const std::exception& e) {
    return fail(Errc::internal, std::string("the batch parser failed: ") + e.what());
  }
}

}  // namespace haven::cmd
