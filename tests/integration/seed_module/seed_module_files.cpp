#include "seed_module_files.hpp"

#include <sys/stat.h>

#include <regex>
#include <sstream>
#include <stdexcept>

#include "child_process.hpp"
#include "haven_test_node.hpp"
#include "module_store/module_archive_writer.hpp"

namespace haven::test {

std::filesystem::path seed_module_dir() { return source_dir() / "tests/data/seed-module"; }

ModuleSource seed_module() {
  const auto dir = seed_module_dir();
  ModuleSource source{slurp(dir / "conf/userconfig.xml"), {}};
  for (const char* hook : {"start_prim.cmd", "stop_prim.cmd"}) source.bin[hook] = slurp(dir / "bin" / hook);
  if (source.userconfig.empty() || source.bin["start_prim.cmd"].empty() || source.bin["stop_prim.cmd"].empty())
    throw std::runtime_error("the seed's module is missing or empty in " + dir.string());
  return source;
}

std::string seed_userconfig_for_linux() {
  std::string text = seed_module().userconfig;
  for (const char* section : {"vip", "errd", "rfs"}) {
    const std::regex element("<" + std::string(section) + "[ >][\\s\\S]*?</" + section + ">");
    if (!std::regex_search(text, element))
      throw std::runtime_error(std::string("the seed's userconfig.xml has no <") + section + "> section any more");
    text = std::regex_replace(text, element, "<!-- " + std::string(section) + " left out by the test -->");
  }
  return text;
}

int line_of(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find(needle) != std::string::npos) return number;
  }
  return 0;
}

std::filesystem::path script_cmd_plugin() { return build_dir() / "lib/haven/plugins/libhaven_script_cmd.so"; }

std::filesystem::path pack_module_with_executable(const std::filesystem::path& work_dir, const std::string& name,
                                                  const ModuleSource& source, const std::string& executable) {
  const auto archive = pack_module(work_dir, name, source);
  const auto file = work_dir / name / "bin" / executable;
  if (::chmod(file.c_str(), 0755) != 0) throw std::runtime_error("cannot make " + file.string() + " executable");
  if (auto st = write_module_archive(work_dir / name, archive); !st.ok())
    throw std::runtime_error("cannot pack module " + name + ": " + st.error().message);
  return archive;
}

}  // namespace haven::test
