#include "test_module.hpp"

#include <fstream>
#include <stdexcept>

#include "module_store/module_archive_writer.hpp"

namespace haven::test {

const std::vector<std::string> kAllHooks{"prestart",  "start_prim", "stop_prim",  "start_second", "stop_second", "start_both",
                                         "stop_both", "start_sec",  "stop_sec",   "poststop",     "transition"};

std::string mirror_userconfig(const std::string& user_attributes) {
  return "<!DOCTYPE safe>\n"
         "<safe>\n"
         "  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"3\" loop_interval=\"24h\" failover=\"on\">\n"
         "    <heart pulse=\"700ms\" timeout=\"30s\">\n"
         "      <heartbeat name=\"default\" ident=\"flow\"/>\n"
         "    </heart>\n"
         "    <user " + user_attributes + "/>\n"
         "  </service>\n"
         "</safe>\n";
}

std::string record_lua(const std::string& hook) {
  return "do\n"
         "  local f = assert(io.open(os.getenv(\"SAFEUSERVAR\") .. \"/record\", \"a\"))\n"
         "  f:write(table.concat({ \"" + hook + "\", ... }, \" \"), \"\\n\")\n"
         "  f:close()\n"
         "end\n";
}

std::map<std::string, std::string> recording_hooks(const std::map<std::string, std::string>& then) {
  std::map<std::string, std::string> bin;
  for (const auto& hook : kAllHooks) {
    auto body = record_lua(hook);
    if (auto it = then.find(hook); it != then.end()) body += it->second;
    bin[hook + ".lua"] = body;
  }
  return bin;
}

std::filesystem::path pack_module(const std::filesystem::path& work_dir, const std::string& name,
                                  const ModuleSource& source) {
  const auto dir = work_dir / name;
  std::filesystem::create_directories(dir / "conf");
  std::filesystem::create_directories(dir / "bin");
  std::ofstream(dir / "conf" / "userconfig.xml", std::ios::binary) << source.userconfig;
  for (const auto& [file, content] : source.bin) std::ofstream(dir / "bin" / file, std::ios::binary) << content;
  const auto archive = work_dir / (name + ".safe");
  if (auto st = write_module_archive(dir, archive); !st.ok())
    throw std::runtime_error("cannot pack module " + name + ": " + st.error().message);
  return archive;
}

}  // namespace haven::test
