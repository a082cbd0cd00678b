// The statement parser on its own: the tree it builds, when it asks for more lines, and what
// it refuses.
#include <catch2/catch.hpp>

#include "batch_parser.hpp"

using namespace haven;
using namespace haven::cmd;

namespace {

NodePtr parse_ok(std::string_view text) {
  auto r = parse_statement(text);
  INFO("text: " << text << (r.ok() ? std::string() : " error: " + r.error().message));
  REQUIRE(r.ok());
  REQUIRE_FALSE(r.value().incomplete);
  return std::move(r.value().node);
}

}  // namespace

TEST_CASE("a simple command keeps its quotes and loses its redirections") {
  auto node = parse_ok("echo \"a b\" >out.txt 2>&1");
  const auto& cmd = std::get<SimpleCommand>(node->value);
  CHECK(cmd.text == "echo \"a b\"  ");  // the blanks before > and 2> stay, as in cmd
  REQUIRE(cmd.redirections.size() == 2);
  CHECK(cmd.redirections[0].kind == Redirection::Kind::write);
  CHECK(cmd.redirections[0].fd == 1);
  CHECK(cmd.redirections[0].target == "out.txt");
  CHECK(cmd.redirections[1].kind == Redirection::Kind::duplicate);
  CHECK(cmd.redirections[1].fd == 2);
  CHECK(cmd.redirections[1].source_fd == 1);
}

TEST_CASE("a digit glued to > names the handle, a digit after a blank is an argument") {
  auto node = parse_ok("echo 2>nul");
  const auto& cmd = std::get<SimpleCommand>(node->value);
  CHECK(cmd.text == "echo ");
  CHECK(cmd.redirections.at(0).fd == 2);
  auto other = parse_ok("echo x2>nul");
  CHECK(std::get<SimpleCommand>(other->value).text == "echo x2");
  CHECK(std::get<SimpleCommand>(other->value).redirections.at(0).fd == 1);
}

TEST_CASE("a pipe binds tighter than && and ||") {
  auto node = parse_ok("a | b && c");
  const auto& top = std::get<Chain>(node->value);
  CHECK(top.op == Chain::Op::on_success);
  CHECK(std::get<Chain>(top.left->value).op == Chain::Op::pipe);
}

TEST_CASE("&& and || bind tighter than &") {
  auto node = parse_ok("a & b && c || d");
  const auto& top = std::get<Chain>(node->value);
  CHECK(top.op == Chain::Op::always);
  const auto& right = std::get<Chain>(top.right->value);
  CHECK(right.op == Chain::Op::on_failure);
  CHECK(std::get<Chain>(right.left->value).op == Chain::Op::on_success);
}

TEST_CASE("an open parenthesis asks for the next line, and the joined lines parse") {
  auto first = parse_statement("if 1==1 (");
  REQUIRE(first.ok());
  CHECK(first.value().incomplete);
  auto whole = parse_ok("if 1==1 (\n  echo a\n  echo b\n) else (\n  echo c\n)");
  const auto& ifc = std::get<IfCommand>(whole->value);
  CHECK(ifc.kind == IfCommand::Kind::compare);
  CHECK(ifc.left == "1");
  CHECK(ifc.right == "1");
  CHECK(std::get<Block>(ifc.then_branch->value).body.size() == 2);
  REQUIRE(ifc.else_branch);
  CHECK(std::get<Block>(ifc.else_branch->value).body.size() == 1);
}

TEST_CASE("a caret at the end of a line asks for the next line") {
  auto r = parse_statement("echo one ^");
  REQUIRE(r.ok());
  CHECK(r.value().incomplete);
  auto joined = parse_ok("echo one ^\ntwo");
  CHECK(std::get<SimpleCommand>(joined->value).text == "echo one two");
}

TEST_CASE("if reads /i, not and the condition kinds") {
  auto node = parse_ok("if /i not \"%a%\" EQU \"x y\" echo z");
  const auto& ifc = std::get<IfCommand>(node->value);
  CHECK(ifc.ignore_case);
  CHECK(ifc.negate);
  CHECK(ifc.op == "EQU");
  CHECK(ifc.left == "\"%a%\"");
  CHECK(ifc.right == "\"x y\"");
  CHECK(std::get<IfCommand>(parse_ok("if errorlevel 1 goto x")->value).kind == IfCommand::Kind::errorlevel);
  CHECK(std::get<IfCommand>(parse_ok("if exist \"a b\" echo y")->value).kind == IfCommand::Kind::exist);
  CHECK(std::get<IfCommand>(parse_ok("if defined X echo y")->value).kind == IfCommand::Kind::defined);
}

TEST_CASE("finding 2: a for keeps its body as written and parsed, %i still in its text") {
  auto node = parse_ok("for %i in (a b) do echo %i & echo again");
  const auto& f = std::get<ForCommand>(node->value);
  CHECK(f.variable == 'i');
  CHECK(f.set == "a b");
  CHECK(f.body == "echo %i & echo again");
  REQUIRE(f.tree);
  CHECK(std::holds_alternative<Chain>(f.tree->value));
}

TEST_CASE("for /f keeps its options and a command set with parentheses inside its quotes") {
  auto node = parse_ok("for /f \"tokens=1,2 delims=,\" %a in ('type \"x (1).txt\"') do echo %a %b");
  const auto& f = std::get<ForCommand>(node->value);
  CHECK(f.lines);
  CHECK(f.options == "tokens=1,2 delims=,");
  CHECK(f.set == "'type \"x (1).txt\"'");
  CHECK(f.body == "echo %a %b");
}

TEST_CASE("rem and :: lines are comments, whatever they hold") {
  CHECK(std::holds_alternative<Comment>(parse_ok("rem echo x | y & (")->value));
  CHECK(std::holds_alternative<Comment>(parse_ok(":: (unbalanced")->value));
}

TEST_CASE("the parser refuses what haven does not interpret, naming the construct") {
  const auto refused = [](std::string_view text) {
    auto r = parse_statement(text);
    REQUIRE_FALSE(r.ok());
    return r.error();
  };
  CHECK(refused("for /r %a in (x) do echo %a").code == Errc::unsupported);
  CHECK(refused("echo a |").message.find("'|' is not followed by a command") != std::string::npos);
  CHECK(refused("for /d %a in (x) do echo %a").message.find("for /d") != std::string::npos);
  CHECK(refused("if  == 0 goto x").code == Errc::parse_error);
  CHECK(refused("if a==b").message.find("no command") != std::string::npos);
  CHECK(refused("echo a &&").message.find("&&") != std::string::npos);
  CHECK(refused("else echo x").message.find("else") != std::string::npos);
}

TEST_CASE("nesting deeper than any script is refused instead of overflowing the stack") {
  std::string deep(100000, '(');
  auto r = parse_statement(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("nested") != std::string::npos);
}
