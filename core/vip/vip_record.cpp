#include "vip/vip_record.hpp"

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"

namespace haven::vip {

Status save_vip_record(const std::filesystem::path& file, const std::string& module,
                       const std::vector<AddressAssignment>& addresses) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : addresses)
    list.push_back({{"interface", a.interface},
                    {"address", a.prefix.address.to_string()},
                    {"prefix", a.prefix.length},
                    {"label", a.label}});
  const nlohmann::json record{{"module", module}, {"addresses", list}};
  auto st = write_file_atomically(file, record.dump(2) + "\n");
  if (!st.ok()) return fail(st.error().code, "cannot record the virtual IPs of module " + module + ": " + st.error().message);
  return ok_status();
}

Result<std::vector<AddressAssignment>> load_vip_record(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::vector<AddressAssignment>{};
  auto text = read_file(file);
  if (!text.ok()) return std::move(text).error();
  std::vector<AddressAssignment> out;
  try {
    const auto record = nlohmann::json::parse(*text);
    const auto& addresses = record.at("addresses");
    if (!addresses.is_array()) throw std::runtime_error("\"addresses\" is not a list");
    for (const auto& entry : addresses) {
      AddressAssignment a;
      a.interface = entry.at("interface").get<std::string>();
      const auto address = entry.at("address").get<std::string>();
      auto ip = parse_ip_address(address);
      if (!ip) throw std::runtime_error("\"" + address + "\" is not an IP address");
      // A whole number, range-checked before it is narrowed: get<int>() would truncate 24.9 and
      // make 1e300 undefined behaviour.
      const auto& prefix = entry.at("prefix");
      if (!prefix.is_number_integer()) throw std::runtime_error("the prefix of " + address + " is not a whole number");
      const auto length = prefix.get<std::int64_t>();
      if (length < 0 || length > host_prefix_length(*ip))
        throw std::runtime_error("prefix " + prefix.dump() + " of " + address + " is out of range");
      a.prefix = IpPrefix{*ip, static_cast<int>(length)};
      a.label = entry.value("label", std::string());
      out.push_back(std::move(a));
    }
  } catch (const std::exception& e) {
    return fail(Errc::parse_error, "the virtual IP record " + file.string() + " is damaged (" + e.what() +
                                       "); expected {\"addresses\": [{\"interface\", \"address\", \"prefix\", \"label\"}]}. "
                                       "Check the addresses by hand with 'ip addr' and remove the file");
  }
  return out;
}

Status clear_vip_record(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::remove(file, ec);
  if (ec) return fail(Errc::io_error, "cannot remove the virtual IP record " + file.string() + ": " + ec.message());
  if (!std::filesystem::exists(file.parent_path(), ec)) return ok_status();
  return sync_directory(file.parent_path());
}

}  // namespace haven::vip
