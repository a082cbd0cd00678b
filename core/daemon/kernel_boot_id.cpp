#include "daemon/kernel_boot_id.hpp"

#include <fstream>

namespace haven {

Result<std::string> current_boot_id(const std::map<std::string, std::string>& env,
                                    const std::filesystem::path& kernel_file) {
  if (auto it = env.find(kTestBootIdVariable); it != env.end() && !it->second.empty()) return it->second;
  std::ifstream in(kernel_file);
  std::string id;
  if (!in || !std::getline(in, id) || id.empty())
    return fail(Errc::io_error, "cannot read the kernel's boot id from " + kernel_file.string() +
                                    "; havend cannot tell a node boot from a restart of itself, so it starts no module "
                                    "at boot (is /proc mounted?)");
  while (!id.empty() && (id.back() == '\r' || id.back() == ' ')) id.pop_back();
  return id;
}

}  // namespace haven
