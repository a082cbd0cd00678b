#include "config/config_tree.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <cctype>
#include <set>
#include <sstream>

#include "config/start_tag_scan.hpp"
#include "config/typographic_quotes.hpp"

namespace haven::config {
namespace {

namespace pt = boost::property_tree;

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool is_special_key(const std::string& key) { return !key.empty() && key.front() == '<'; }

// The last element starting on or before `line`: the one whose start tag holds the quotes.
std::string path_at_line(const ConfigNode* root, int line) {
  std::string found;
  std::vector<const ConfigNode*> todo{root};
  while (root && !todo.empty()) {
    const ConfigNode* n = todo.back();
    todo.pop_back();
    if (n->line == line) found = n->path;
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) todo.push_back(&*it);
  }
  return found;
}

void warn_typographic_quotes(const std::vector<int>& lines, const ConfigNode* root, Diagnostics& diags) {
  for (int line : lines)
    diags.add(Severity::warning, line, path_at_line(root, line),
              "typographic quotes (\xE2\x80\x9C \xE2\x80\x9D \xE2\x80\x98 \xE2\x80\x99) used around an "
              "attribute value; accepted as plain quotes, but write \"...\" instead");
}

// Walks the tree in document order, taking each element's line from the start-tag scan.
// Should the two ever disagree, lines are dropped (0) rather than guessed.
class TreeBuilder {
 public:
  TreeBuilder(const std::vector<StartTag>& tags, Diagnostics& diags) : tags_(tags), diags_(diags) {}

  ConfigNode build(const std::string& name, const pt::ptree& tree, const std::string& parent_path) {
    ConfigNode node;
    node.name = name;
    node.file = diags_.file();
    node.path = parent_path.empty() ? name : parent_path + "/" + name;
    node.line = next_line(name);
    node.text = trim(tree.data());
    std::set<std::string> seen;
    if (auto attrs = tree.get_child_optional("<xmlattr>")) {
      for (const auto& [key, value] : *attrs) {
        if (!seen.insert(key).second) {
          diags_.error(node, key, "attribute given twice; keep one");
          continue;
        }
        node.attributes.emplace_back(key, value.data());
      }
    }
    for (const auto& [key, child] : tree) {
      if (is_special_key(key)) continue;
      node.children.push_back(build(key, child, node.path));
    }
    return node;
  }

 private:
  int next_line(const std::string& name) {
    if (in_step_ && next_ < tags_.size() && tags_[next_].name == name) return tags_[next_++].line;
    in_step_ = false;
    return 0;
  }

  const std::vector<StartTag>& tags_;
  Diagnostics& diags_;
  std::size_t next_ = 0;
  bool in_step_ = true;
};

}  // namespace

std::optional<ConfigNode> read_config_tree(std::string_view xml, std::string_view root_name,
                                           Diagnostics& diags) {
  QuoteRepair repaired = repair_typographic_quotes(xml);

  const StartTagScan scan = scan_start_tags(repaired.text);
  if (scan.too_deep) {
    diags.add(Severity::error, scan.too_deep->line, "",
              "elements nested too deep: <" + scan.too_deep->name + "> is level " +
                  std::to_string(kMaxElementDepth + 1) + "; expected at most " + std::to_string(kMaxElementDepth) +
                  " levels of nesting (a configuration needs fewer than 10)");
    return std::nullopt;
  }
  for (const auto& m : scan.mismatches) {
    if (m.expected.empty())
      diags.add(Severity::error, m.line, "",
                "XML syntax error: end tag </" + m.found + "> has no matching start tag");
    else
      diags.add(Severity::error, m.line, "",
                "XML syntax error: end tag </" + m.found + "> does not close <" + m.expected +
                    "> opened on line " + std::to_string(m.opened_line) + "; expected </" +
                    m.expected + ">");
  }
  if (!scan.mismatches.empty()) {
    warn_typographic_quotes(repaired.lines, nullptr, diags);
    return std::nullopt;
  }

  pt::ptree tree;
  try {
    std::istringstream in(repaired.text);
    pt::read_xml(in, tree, pt::xml_parser::no_comments);
  } catch (const pt::xml_parser_error& e) {
    diags.add(Severity::error, static_cast<int>(e.line()), "",
              "XML syntax error: " + e.message() + "; the file must be well-formed XML");
    warn_typographic_quotes(repaired.lines, nullptr, diags);
    return std::nullopt;
  }

  std::vector<std::pair<std::string, const pt::ptree*>> roots;
  for (const auto& [key, child] : tree)
    if (!is_special_key(key)) roots.emplace_back(key, &child);
  if (roots.empty()) {
    diags.add(Severity::error, 0, "",
              "no root element; expected <" + std::string(root_name) + "> ... </" +
                  std::string(root_name) + ">");
    return std::nullopt;
  }
  TreeBuilder builder(scan.tags, diags);
  ConfigNode root = builder.build(roots.front().first, *roots.front().second, "");
  warn_typographic_quotes(repaired.lines, &root, diags);
  if (roots.size() > 1 || root.name != root_name) {
    diags.error(root, "the root element is <" + root.name + ">" +
                          (roots.size() > 1 ? " and it is not alone" : "") + "; expected one <" +
                          std::string(root_name) + "> element holding everything");
    return std::nullopt;
  }
  return root;
}

}  // namespace haven::config
