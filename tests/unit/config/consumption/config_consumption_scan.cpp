// Derives "accepted, but not acted on" from the code: the places of userconfig.xml whose model
// fields (core/config/user_config_places.cpp) no code outside core/config reads, found with
// clang-query over every translation unit of core/ and cli/ that can see the model. Checks
// that every field of the model has its place, and that core/config/not_acted_on.inc (which
// the loader reports from) is exactly that list; --refresh rewrites it.
//
//   config_consumption_scan --source DIR --build DIR --clang-query PROGRAM [--refresh] [--uses]
//
// Exit status: 0 when everything agrees, 1 when something does not (each finding says what to
// change), 77 when clang-query is not installed (CTest reports the test as skipped).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "clang_query_runs.hpp"
#include "config/user_config_places.hpp"
#include "include_graph.hpp"
#include "model_queries.hpp"

namespace fs = std::filesystem;
using namespace haven::config;
using namespace haven::config::consumption;

namespace {

constexpr int kSkipped = 77;

struct Options {
  fs::path source;
  fs::path build;
  fs::path clang_query;
  bool refresh = false;
  bool print_uses = false;
};

struct TranslationUnit {
  fs::path file;
  std::vector<fs::path> include_dirs;  ///< its -I folders
};

std::string shown(const fs::path& p, const fs::path& root) {
  const std::string s = p.lexically_relative(root).string();
  return s.empty() || s.rfind("..", 0) == 0 ? p.string() : s;
}

bool under(const fs::path& p, const fs::path& dir) {
  const std::string rel = p.lexically_relative(dir).string();
  return !rel.empty() && rel.rfind("..", 0) != 0;
}

std::vector<TranslationUnit> compile_database(const fs::path& build, std::string& error) {
  std::ifstream in(build / "compile_commands.json");
  if (!in) {
    error = (build / "compile_commands.json").string() +
            " is missing; expected the build to export it (CMAKE_EXPORT_COMPILE_COMMANDS=ON)";
    return {};
  }
  std::vector<TranslationUnit> out;
  for (const auto& entry : nlohmann::json::parse(in)) {
    TranslationUnit tu;
    const fs::path directory = entry.value("directory", "");
    tu.file = fs::weakly_canonical(directory / entry.value("file", ""));
    std::istringstream words(entry.value("command", ""));
    std::string word;
    while (words >> word)
      if (word.rfind("-I", 0) == 0 && word.size() > 2) tu.include_dirs.push_back(directory / word.substr(2));
    out.push_back(std::move(tu));
  }
  return out;
}

// The generated list, as the loader compiles it in: one place a line, with its fields.
std::string not_acted_on_text(const std::map<std::string, std::set<std::string>>& places) {
  std::string out =
      "// Generated from the code by tests/unit/config/consumption (config_consumption_scan); do not\n"
      "// edit. The places of userconfig.xml that the configuration model holds and no code outside\n"
      "// core/config reads: `haven config check` and the loader report each one present in a file as\n"
      "// accepted but not acted on. The test config_report_matches_consumption fails until this file\n"
      "// matches the code; refresh it with\n"
      "//   build/tests/config_consumption_scan --source . --build build --clang-query clang-query --refresh\n";
  for (const auto& [place, fields] : places) {
    std::string names;
    for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f;
    out += "\"" + place + "\",  // " + names + "\n";
  }
  return out;
}

std::set<std::string> place_lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty() && line.front() == '"') out.insert(line.substr(1, line.find('"', 1) - 1));
  return out;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int scan(const Options& options) {
  std::string error;
  const auto database = compile_database(options.build, error);
  if (!error.empty()) {
    std::cerr << error << '\n';
    return 1;
  }
  const fs::path source = fs::weakly_canonical(options.source);
  const fs::path model_header = source / "core" / "config" / "user_config.hpp";
  const fs::path config_dir = source / "core" / "config";

  // The model's own declaration, from the loader's translation unit; the readers of the model:
  // every translation unit of core/ and cli/ outside core/config that includes it, directly or not.
  IncludeGraph graph;
  std::vector<QueryJob> jobs;
  std::size_t considered = 0;
  for (const auto& tu : database) {
    const bool loader = tu.file == config_dir / "user_config_loader.cpp";
    const bool reader = (under(tu.file, source / "core") || under(tu.file, source / "cli")) && !under(tu.file, config_dir);
    if (!loader && !reader) continue;
    ++considered;
    const auto seen = graph.closure(tu.file, tu.include_dirs);
    if (!seen.count(model_header)) continue;
    Digest inputs;
    for (const auto& f : seen) inputs.add_file(f);
    for (const auto& dir : tu.include_dirs) inputs.add(dir.string());
    jobs.push_back(QueryJob{tu.file, loader ? "fields" : "uses", loader ? kModelFieldsQuery : kFieldUsesQuery,
                            inputs.value()});
  }
  std::sort(jobs.begin(), jobs.end(), [](const QueryJob& a, const QueryJob& b) { return a.name < b.name; });
  if (jobs.empty() || jobs.front().name != "fields") {
    std::cerr << "core/config/user_config_loader.cpp is not in " << (options.build / "compile_commands.json")
              << "; expected it, to list the model's fields\n";
    return 1;
  }

  const ClangQueryRuns runs(options.clang_query, options.build, options.build / "tests" / "config_consumption_cache");
  const auto outputs = runs.run(jobs, std::max(1U, std::thread::hardware_concurrency()));
  int failures = 0;
  std::size_t parsed = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!outputs[i].cached) ++parsed;
    if (outputs[i].failure.empty()) continue;
    std::cerr << shown(jobs[i].source, source) << ": clang-query could not read it: " << outputs[i].failure << '\n';
    ++failures;
  }
  if (failures) return 1;

  const auto fields = read_model_fields(outputs[0].text, error);
  std::map<std::string, std::string> field_at;  // "129:3" -> "RfsConfig::locktimeout"
  for (const auto& f : fields) field_at[f.declared_at] = f.name;
  std::map<std::string, std::vector<std::string>> uses;  // field -> where it is read
  for (std::size_t i = 1; i < jobs.size() && error.empty(); ++i)
    for (const auto& use : read_field_uses(outputs[i].text, error)) {
      auto found = field_at.find(use.declared_at);
      if (found == field_at.end()) {
        error = "a use at " + use.used_at + " reads a field declared at user_config.hpp:" + use.declared_at +
                ", which the field listing does not have";
        break;
      }
      uses[found->second].push_back(shown(use.used_at, source));
    }
  if (!error.empty()) {
    std::cerr << error << '\n';
    return 1;
  }

  // Every field has its places; every row names a field.
  std::set<std::string> model;
  for (const auto& f : fields) model.insert(f.name);
  std::set<std::string> tabled;
  for (const auto& row : model_places()) tabled.insert(std::string(row.field));
  for (const auto& f : fields)
    if (!tabled.count(f.name)) {
      std::cerr << "core/config/user_config.hpp:" << f.declared_at.substr(0, f.declared_at.find(':')) << ": "
                << f.name << " has no row in core/config/user_config_places.cpp; expected {\"" << f.name
                << "\", \"safe/service/...@attribute\"} naming where userconfig.xml sets it (or PlaceKind::not_a_place "
                   "with what it is instead)\n";
      ++failures;
    }
  for (const auto& name : tabled)
    if (!model.count(name)) {
      std::cerr << "core/config/user_config_places.cpp names " << name
                << ", which core/config/user_config.hpp does not declare; expected a field of the model\n";
      ++failures;
    }

  // A place is acted on when code outside core/config reads one of its fields.
  std::map<std::string, std::set<std::string>> place_fields;
  std::set<std::string> acted_places;
  for (const auto& row : model_places()) {
    if (row.kind != PlaceKind::xml) continue;
    place_fields[std::string(row.place)].insert(std::string(row.field));
    if (uses.count(std::string(row.field))) acted_places.insert(std::string(row.place));
  }
  std::map<std::string, std::set<std::string>> not_acted;
  for (const auto& [place, names] : place_fields)
    if (!acted_places.count(place)) not_acted[place] = names;

  if (options.print_uses) {
    for (const auto& f : fields) {
      auto found = uses.find(f.name);
      std::cout << f.name << ": "
                << (found == uses.end() ? std::string("read by nothing outside core/config")
                                        : std::to_string(found->second.size()) + " reads, first " + found->second.front())
                << '\n';
    }
  }

  const fs::path list_file = config_dir / "not_acted_on.inc";
  const std::string generated = not_acted_on_text(not_acted);
  const std::string checked_in = read_text(list_file);
  std::cout << fields.size() << " model fields, " << uses.size() << " read outside core/config; " << place_fields.size()
            << " places, " << not_acted.size() << " not acted on; " << jobs.size() - 1 << " of " << considered - 1
            << " translation units can see the model (" << parsed << " parsed, " << jobs.size() - parsed
            << " from the cache)\n";
  if (options.refresh) {
    if (generated != checked_in) std::ofstream(list_file) << generated;
    std::cout << (generated == checked_in ? "unchanged: " : "wrote ") << shown(list_file, source) << '\n';
    return failures ? 1 : 0;
  }
  if (generated != checked_in) {
    const auto before = place_lines(checked_in);
    const auto after = place_lines(generated);
    for (const auto& p : after)
      if (!before.count(p))
        std::cerr << "read by nothing, and not in " << shown(list_file, source) << ": " << p
                  << " (the configuration report would stay silent about it)\n";
    for (const auto& p : before)
      if (!after.count(p))
        std::cerr << "acted on now, but still in " << shown(list_file, source) << ": " << p
                  << " (the configuration report would call it ignored)\n";
    std::cerr << shown(list_file, source) << " disagrees with the code; review the lines above, then run\n  "
              << "build/tests/config_consumption_scan --source . --build build --clang-query clang-query --refresh\n";
    ++failures;
  }
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> fs::path { return i + 1 < argc ? fs::path(argv[++i]) : fs::path(); };
    if (arg == "--source") options.source = value();
    else if (arg == "--build") options.build = value();
    else if (arg == "--clang-query") options.clang_query = value();
    else if (arg == "--refresh") options.refresh = true;
    else if (arg == "--uses") options.print_uses = true;
    else {
      std::cerr << "unknown argument \"" << arg << "\"; expected --source DIR --build DIR --clang-query PROGRAM "
                                                   "[--refresh] [--uses]\n";
      return 2;
    }
  }
  if (options.source.empty() || options.build.empty()) {
    std::cerr << "expected --source DIR --build DIR --clang-query PROGRAM\n";
    return 2;
  }
  if (options.clang_query.empty() || options.clang_query.string().find("NOTFOUND") != std::string::npos) {
    std::cerr << "clang-query is not installed (Debian package clang-tools): cannot tell what the code reads of "
                 "the configuration model; skipped\n";
    return kSkipped;
  }
  options.build = fs::weakly_canonical(options.build);
  return scan(options);
}
