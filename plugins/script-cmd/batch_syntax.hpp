// The parsed form of one batch statement: a line, or several lines when a parenthesised
// block spans them. Text in it is already percent-expanded (cmd expands before it parses).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace haven::cmd {

struct Node;
using NodePtr = std::unique_ptr<Node>;

/// `>f` (fd 1, write), `2>>f` (fd 2, append), `<f` (fd 0, read), `2>&1` (fd 2, duplicate of 1).
struct Redirection {
  enum class Kind { write, append, read, duplicate };
  Kind kind = Kind::write;
  int fd = 1;
  std::string target;  ///< file name, quotes removed; "nul" is the null device
  int source_fd = -1;  ///< for duplicate
};

/// A command and its arguments as cmd hands them over: escapes (^) resolved, quotes kept,
/// redirections taken out. `echo_off` is a leading `@`.
struct SimpleCommand {
  std::string text;
  std::vector<Redirection> redirections;
  bool echo_off = false;
  /// A for variable's value was substituted into `text`: a `call` must not parse it again.
  bool for_values = false;
};

struct Block {
  std::vector<NodePtr> body;
  std::vector<Redirection> redirections;
};

struct IfCommand {
  enum class Kind { compare, errorlevel, exist, defined };
  Kind kind = Kind::compare;
  bool negate = false;
  bool ignore_case = false;
  std::string left;   ///< compare: left operand (quotes kept); errorlevel: N; exist: path; defined: name
  std::string op;     ///< compare: "==", "EQU", "NEQ", "LSS", "LEQ", "GTR", "GEQ"
  std::string right;
  NodePtr then_branch;
  NodePtr else_branch;  ///< may be null
};

/// `for %X in (set) do body`, `for /l %X in (start,step,end) do body` and `for /f ["options"]
/// %X in (files | "string" | 'command') do body`. The body is parsed once, with %X still in
/// its text; each round substitutes %X into a copy of that tree, never into text that is
/// parsed again: cmd expands for variables after parsing, so `&`, `|`, `>` or `(` in a value
/// are literal (a file name must not become a command).
struct ForCommand {
  bool numeric = false;
  bool lines = false;    ///< for /f: over the lines of files, a string or a command's output
  std::string options;   ///< for /f: "tokens=1,2 delims=, skip=1 eol=; usebackq", quotes removed
  char variable = 0;
  std::string set;
  std::string body;  ///< the body as written, for messages
  NodePtr tree;      ///< the body parsed
};

/// `a & b`, `a && b`, `a || b`, `a | b`.
struct Chain {
  enum class Op { always, on_success, on_failure, pipe };
  Op op = Op::always;
  NodePtr left;
  NodePtr right;
};

/// `rem ...`, `:: ...`, a label met while running: does nothing.
struct Comment {};

struct Node {
  std::variant<SimpleCommand, Block, IfCommand, ForCommand, Chain, Comment> value;
};

}  // namespace haven::cmd
