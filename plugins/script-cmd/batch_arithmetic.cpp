#include "batch_arithmetic.hpp"

#include <cctype>
#include <vector>

#include "batch_text.hpp"

namespace haven::cmd {
namespace {

constexpr std::string_view kOperatorChars = "()!~-*/%+<>&^|=,";

struct Token {
  enum class Kind { number, name, op, end } kind = Kind::end;
  std::string text;
  std::int64_t value = 0;
};

struct Failure {
  std::string message;
};

std::int32_t wrap(std::int64_t v) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(v)); }

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_blank(c) || c == '"') {
      ++i;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < s.size() && std::isalnum(static_cast<unsigned char>(s[j]))) ++j;
      long long v = 0;
      if (!parse_batch_integer(s.substr(i, j - i), v))
        throw Failure{"Invalid number '" + std::string(s.substr(i, j - i)) +
                      "'. Numeric constants are either decimal (17), hexadecimal (0x11), or octal (021)."};
      out.push_back({Token::Kind::number, std::string(s.substr(i, j - i)), v});
      i = j;
      continue;
    }
    if (kOperatorChars.find(c) != std::string_view::npos) {
      static constexpr std::string_view kLong[] = {"<<=", ">>=", "<<", ">>", "+=", "-=", "*=", "/=",
                                                   "%=",  "&=",  "^=", "|="};
      std::string op(1, c);
      for (auto candidate : kLong)
        if (s.substr(i, candidate.size()) == candidate) {
          op = candidate;
          break;
        }
      if (op == "<" || op == ">") throw Failure{"Invalid operator '" + op + "' (set /a knows << and >>)."};
      out.push_back({Token::Kind::op, op, 0});
      i += op.size();
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && !is_blank(s[j]) && s[j] != '"' && kOperatorChars.find(s[j]) == std::string_view::npos) ++j;
    out.push_back({Token::Kind::name, std::string(s.substr(i, j - i)), 0});
    i = j;
  }
  out.push_back({Token::Kind::end, {}, 0});
  return out;
}

class Evaluator {
 public:
  Evaluator(std::vector<Token> tokens, const VariableLookup& get, const VariableAssign& set)
      : tokens_(std::move(tokens)), get_(get), set_(set) {}

  std::int32_t all() {
    std::int32_t value = assignment();
    while (is_op(",")) {
      ++pos_;
      value = assignment();
    }
    if (tokens_[pos_].kind != Token::Kind::end) {
      if (is_op(")")) throw Failure{"Unbalanced parenthesis."};
      throw Failure{"Missing operator."};
    }
    return value;
  }

 private:
  bool is_op(std::string_view op) const { return tokens_[pos_].kind == Token::Kind::op && tokens_[pos_].text == op; }

  std::int32_t variable(const std::string& name) const {
    auto v = get_(name);
    if (!v) return 0;
    long long n = 0;
    std::string_view text = *v;
    while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    return parse_batch_integer(text, n) ? wrap(n) : 0;
  }

  std::int32_t assignment() {
    const auto& t = tokens_[pos_];
    const auto& next = tokens_[pos_ + (t.kind == Token::Kind::end ? 0 : 1)];
    if (t.kind == Token::Kind::name && next.kind == Token::Kind::op && next.text.back() == '=' &&
        next.text != "==") {
      const std::string name = t.text;
      const std::string op = next.text.substr(0, next.text.size() - 1);
      pos_ += 2;
      const std::int32_t rhs = assignment();
      const std::int32_t value = op.empty() ? rhs : apply(op, variable(name), rhs);
      set_(name, std::to_string(value));
      return value;
    }
    return binary(0);
  }

  static int precedence(const std::string& op) {
    if (op == "|") return 1;
    if (op == "^") return 2;
    if (op == "&") return 3;
    if (op == "<<" || op == ">>") return 4;
    if (op == "+" || op == "-") return 5;
    if (op == "*" || op == "/" || op == "%") return 6;
    return -1;
  }

  static std::int32_t apply(const std::string& op, std::int32_t a, std::int32_t b) {
    const std::int64_t x = a, y = b;
    if (op == "+") return wrap(x + y);
    if (op == "-") return wrap(x - y);
    if (op == "*") return wrap(x * y);
    if (op == "/" || op == "%") {
      if (y == 0) throw Failure{"Divide by zero error."};
      return wrap(op == "/" ? x / y : x % y);
    }
    if (op == "&") return a & b;
    if (op == "|") return a | b;
    if (op == "^") return a ^ b;
    if (op == "<<") return (b < 0 || b > 31) ? 0 : wrap(static_cast<std::int64_t>(static_cast<std::uint32_t>(a) << b));
    if (op == ">>") return (b < 0 || b > 31) ? (a < 0 ? -1 : 0) : (a >> b);
    throw Failure{"Invalid operator '" + op + "'."};
  }

  std::int32_t binary(int min_precedence) {
    std::int32_t left = unary();
    while (tokens_[pos_].kind == Token::Kind::op) {
      const std::string op = tokens_[pos_].text;
      const int p = precedence(op);
      if (p < 0 || p < min_precedence) break;
      ++pos_;
      const std::int32_t right = binary(p + 1);
      left = apply(op, left, right);
    }
    return left;
  }

  std::int32_t unary() {
    if (++depth_ > 200) throw Failure{"Expression nested too deeply."};
    const auto& t = tokens_[pos_];
    std::int32_t result = 0;
    if (t.kind == Token::Kind::op && (t.text == "-" || t.text == "+" || t.text == "!" || t.text == "~")) {
      const std::string op = t.text;
      ++pos_;
      const std::int32_t v = unary();
      result = op == "-" ? wrap(-static_cast<std::int64_t>(v)) : op == "+" ? v : op == "!" ? (v == 0 ? 1 : 0) : ~v;
    } else if (t.kind == Token::Kind::op && t.text == "(") {
      ++pos_;
      result = assignment();
      while (is_op(",")) {
        ++pos_;
        result = assignment();
      }
      if (!is_op(")")) throw Failure{"Unbalanced parenthesis."};
      ++pos_;
    } else if (t.kind == Token::Kind::number) {
      result = wrap(t.value);
      ++pos_;
    } else if (t.kind == Token::Kind::name) {
      result = variable(t.text);
      ++pos_;
    } else {
      throw Failure{"Missing operand."};
    }
    --depth_;
    return result;
  }

  std::vector<Token> tokens_;
  const VariableLookup& get_;
  const VariableAssign& set_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::int32_t> evaluate_arithmetic(std::string_view expression, const VariableLookup& get,
                                         const VariableAssign& set) {
  try {
    Evaluator evaluator(tokenize(expression), get, set);
    return evaluator.all();
  } catch (const Failure& f) {
    return fail(Errc::invalid_argument, f.message);
  }
}

}  // namespace haven::cmd
