// Hand-written recursive descent: the grammar is five productions, and errors must name the
// line and column the administrator typed, which a generated parser would make no easier.
#include "failover_rules/rule_parser.hpp"

#include <cctype>
#include <set>

#include <fmt/format.h>

namespace haven::failover {
namespace {

enum class Tok { word, colon, lparen, rparen, bang, and_, or_, eq, ne, semicolon, end };

struct Token {
  Tok kind = Tok::end;
  std::string text;
  int line = 0;
  int column = 0;
};

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' || c == '*' ||
         c == '?';
}

class Lexer {
 public:
  Lexer(std::string_view text, int first_line) : text_(text), line_(first_line) {}

  Result<std::vector<Token>> tokens(const std::string& source) {
    std::vector<Token> out;
    while (true) {
      skip_blanks_and_comments();
      Token t;
      t.line = line_;
      t.column = column_;
      if (pos_ >= text_.size()) {
        t.kind = Tok::end;
        out.push_back(t);
        return out;
      }
      const char c = text_[pos_];
      const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
      auto two = [&](Tok kind, const char* s) { t.kind = kind; t.text = s; advance(2); };
      auto one = [&](Tok kind) { t.kind = kind; t.text = std::string(1, c); advance(1); };
      if (c == '&' && next == '&') two(Tok::and_, "&&");
      else if (c == '|' && next == '|') two(Tok::or_, "||");
      else if (c == '=' && next == '=') two(Tok::eq, "==");
      else if (c == '!' && next == '=') two(Tok::ne, "!=");
      else if (c == '!') one(Tok::bang);
      else if (c == ':') one(Tok::colon);
      else if (c == '(') one(Tok::lparen);
      else if (c == ')') one(Tok::rparen);
      else if (c == ';') one(Tok::semicolon);
      else if (is_word_char(c)) {
        t.kind = Tok::word;
        while (pos_ < text_.size() && is_word_char(text_[pos_])) {
          t.text += text_[pos_];
          advance(1);
        }
      } else {
        const bool printable = std::isprint(static_cast<unsigned char>(c)) != 0;
        return fail(Errc::invalid_argument,
                    fmt::format("{} line {} column {}: unexpected character {}; expected a rule such as "
                                "'label: if (custom.db == down) then stopstart();'",
                                source, line_, column_,
                                printable ? fmt::format("'{}'", c) : fmt::format("0x{:02x}", static_cast<unsigned char>(c))));
      }
      out.push_back(std::move(t));
    }
  }

 private:
  void advance(std::size_t n) {
    for (std::size_t i = 0; i < n && pos_ < text_.size(); ++i, ++pos_) {
      if (text_[pos_] == '\n') {
        ++line_;
        column_ = 1;
      } else {
        ++column_;
      }
    }
  }

  void skip_blanks_and_comments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      const bool comment = c == '#' || (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/');
      if (comment) {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance(1);
      } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        advance(1);
      } else {
        return;
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_;
  int column_ = 1;
};

const std::set<std::string>& known_values() {
  static const std::set<std::string> values{"init", "up", "down", "unknown", "on", "off"};
  return values;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string source, std::string_view text, int first_line)
      : tokens_(std::move(tokens)), source_(std::move(source)), text_(text), first_line_(first_line) {}

  Result<std::vector<FailoverRule>> rules() {
    std::vector<FailoverRule> out;
    std::set<std::string> labels;
    while (peek().kind != Tok::end) {
      auto rule = parse_rule();
      if (!rule) return rule.error();
      if (!labels.insert(rule->label).second)
        return error_at(rule_start_, fmt::format("rule '{}' is defined twice; expected each label once", rule->label));
      out.push_back(std::move(*rule));
    }
    return out;
  }

 private:
  const Token& peek() const { return tokens_[index_]; }
  const Token& take() { return tokens_[index_ < tokens_.size() - 1 ? index_++ : index_]; }

  Error error_at(const Token& t, const std::string& what) const {
    return Error{Errc::invalid_argument, fmt::format("{} line {} column {}: {}", source_, t.line, t.column, what)};
  }

  Error unexpected(const Token& t, const std::string& expected) const {
    const std::string found = t.kind == Tok::end ? "the end of the rules" : fmt::format("'{}'", t.text);
    return error_at(t, fmt::format("found {}; expected {}", found, expected));
  }

  Status expect(Tok kind, const std::string& expected) {
    if (peek().kind != kind) return unexpected(peek(), expected);
    take();
    return {};
  }

  Status expect_word(const char* word, const std::string& expected) {
    if (peek().kind != Tok::word || peek().text != word) return unexpected(peek(), expected);
    take();
    return {};
  }

  Result<FailoverRule> parse_rule() {
    rule_start_ = peek();
    FailoverRule rule;
    rule.source = source_;
    rule.line = peek().line;
    if (peek().kind != Tok::word) return unexpected(peek(), "a rule label, as in 'my_rule: if (...) then ...;'");
    rule.label = take().text;
    if (auto s = expect(Tok::colon, fmt::format("':' after the label '{}'", rule.label)); !s) return s.error();
    if (auto s = expect_word("if", "'if'"); !s) return s.error();
    auto condition = parse_or();
    if (!condition) return condition.error();
    rule.condition = std::move(*condition);
    if (auto s = expect_word("then", "'then' or an operator (&&, ||)"); !s) return s.error();
    const Token action = peek();
    if (action.kind != Tok::word) return unexpected(action, "an action: stop(), stopstart(), wait(), restart() or swap()");
    take();
    if (action.text == "stop") rule.action = RuleAction::stop;
    else if (action.text == "stopstart") rule.action = RuleAction::stopstart;
    else if (action.text == "wait") rule.action = RuleAction::wait;
    else if (action.text == "restart") rule.action = RuleAction::restart;
    else if (action.text == "swap") rule.action = RuleAction::swap;
    else return unexpected(action, "an action: stop(), stopstart(), wait(), restart() or swap()");
    if (auto s = expect(Tok::lparen, fmt::format("'()' after {}", action.text)); !s) return s.error();
    if (auto s = expect(Tok::rparen, fmt::format("')' after '{}('", action.text)); !s) return s.error();
    const Token& semicolon = peek();
    if (auto s = expect(Tok::semicolon, "';' at the end of the rule"); !s) return s.error();
    rule.text = rule_text(rule.line, semicolon.line);
    return rule;
  }

  // The lines of the rule as written, joined: good enough for `haven state -v`.
  std::string rule_text(int from_line, int to_line) const {
    std::string out;
    int line = first_line_;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text_.size(); ++i) {
      if (i == text_.size() || text_[i] == '\n') {
        if (line >= from_line && line <= to_line) {
          std::string_view piece = text_.substr(start, i - start);
          while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.front())) != 0) piece.remove_prefix(1);
          while (!piece.empty() && std::isspace(static_cast<unsigned char>(piece.back())) != 0) piece.remove_suffix(1);
          if (!out.empty() && !piece.empty()) out += ' ';
          out += piece;
        }
        ++line;
        start = i + 1;
      }
    }
    return out;
  }

  Result<std::unique_ptr<Expr>> parse_or() { return parse_chain(Tok::or_, Expr::Kind::disjunction, &Parser::parse_and); }
  Result<std::unique_ptr<Expr>> parse_and() { return parse_chain(Tok::and_, Expr::Kind::conjunction, &Parser::parse_unary); }

  Result<std::unique_ptr<Expr>> parse_chain(Tok op, Expr::Kind kind, Result<std::unique_ptr<Expr>> (Parser::*next)()) {
    auto first = (this->*next)();
    if (!first) return first;
    if (peek().kind != op) return first;
    auto node = std::make_unique<Expr>();
    node->kind = kind;
    node->operands.push_back(std::move(*first));
    while (peek().kind == op) {
      take();
      auto more = (this->*next)();
      if (!more) return more;
      node->operands.push_back(std::move(*more));
    }
    return node;
  }

  Result<std::unique_ptr<Expr>> parse_unary() {
    if (++depth_ > kMaxDepth) return error_at(peek(), fmt::format("expression nested deeper than {} levels", kMaxDepth));
    struct Leave { int& d; ~Leave() { --d; } } leave{depth_};
    if (peek().kind == Tok::bang) {
      take();
      auto inner = parse_unary();
      if (!inner) return inner;
      auto node = std::make_unique<Expr>();
      node->kind = Expr::Kind::negate;
      node->operands.push_back(std::move(*inner));
      return node;
    }
    if (peek().kind == Tok::lparen) {
      take();
      auto inner = parse_or();
      if (!inner) return inner;
      if (auto s = expect(Tok::rparen, "')' or an operator (&&, ||)"); !s) return s.error();
      return inner;
    }
    return parse_comparison();
  }

  Result<std::unique_ptr<Expr>> parse_comparison() {
    const Token resource = peek();
    if (resource.kind != Tok::word || resource.text == "then" || resource.text == "if")
      return unexpected(resource, "a resource such as custom.db or remote.ip.? (then == or != and a value)");
    take();
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::compare;
    Comparison& c = node->comparison;
    std::string name = resource.text;
    if (name.rfind("local.", 0) == 0) {
      name.erase(0, 6);
    } else if (name.rfind("remote.", 0) == 0) {
      c.scope = ResourceScope::remote;
      name.erase(0, 7);
    }
    const auto dot = name.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
      return error_at(resource, fmt::format("'{}' is not a resource name; expected [local.|remote.]class.id, "
                                            "such as custom.db, ip.? or remote.heartbeat.*",
                                            resource.text));
    c.klass = name.substr(0, dot);
    c.id = name.substr(dot + 1);
    if (c.klass.find_first_of("*?") != std::string::npos)
      return error_at(resource, fmt::format("'{}': the class cannot hold '*' or '?'; only the id can be '*' or '?'",
                                            resource.text));
    if (c.id == "?") {
      c.quantifier = Quantifier::any;
      c.id.clear();
    } else if (c.id == "*") {
      c.quantifier = Quantifier::every;
      c.id.clear();
    } else if (c.id.find_first_of("*?") != std::string::npos) {
      return error_at(resource, fmt::format("'{}': '*' and '?' stand for a whole id (ip.? or ip.*), not part of one",
                                            resource.text));
    }
    const Token op = peek();
    if (op.kind != Tok::eq && op.kind != Tok::ne) return unexpected(op, fmt::format("== or != after {}", resource.text));
    take();
    c.equal = op.kind == Tok::eq;
    const Token value = peek();
    if (value.kind != Tok::word || known_values().count(value.text) == 0)
      return unexpected(value, "a value: init, up, down or unknown");
    take();
    c.value = value.text;
    return node;
  }

  static constexpr int kMaxDepth = 64;
  std::vector<Token> tokens_;
  std::string source_;
  std::string_view text_;
  int first_line_;
  std::size_t index_ = 0;
  int depth_ = 0;
  Token rule_start_;
};

}  // namespace

const char* to_string(RuleAction action) noexcept {
  switch (action) {
    case RuleAction::stop: return "stop";
    case RuleAction::stopstart: return "stopstart";
    case RuleAction::wait: return "wait";
    case RuleAction::restart: return "restart";
    case RuleAction::swap: return "swap";
  }
  return "wait";
}

Result<std::vector<FailoverRule>> parse_rules(std::string_view text, const std::string& source, int first_line) {
  const auto first_char = text.find_first_not_of(" \t\r\n");
  if (first_char != std::string_view::npos && text.substr(first_char).rfind("--Lua Rules", 0) == 0)
    return fail(Errc::invalid_argument, fmt::format("{} line {}: rules written in Lua ('--Lua Rules') are read by "
                                                    "parse_lua_rules, not by the rule language's parser",
                                                    source, first_line));
  Lexer lexer(text, first_line);
  auto tokens = lexer.tokens(source);
  if (!tokens) return tokens.error();
  Parser parser(std::move(*tokens), source, text, first_line);
  return parser.rules();
}

}  // namespace haven::failover
