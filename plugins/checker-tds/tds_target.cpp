#include "tds_target.hpp"

#include <charconv>
#include <optional>

namespace haven::checker_tds {
namespace {

constexpr const char* kVersions[] = {"7.0", "7.1", "7.2", "7.3", "7.4"};

std::optional<TdsTarget> read_tds(const ConfigNode& element, std::vector<ConfigDiagnostic>& findings) {
  TdsTarget target;
  const std::size_t before = findings.size();
  target.addr = element.attribute("addr").value_or("");
  if (target.addr.empty())
    findings.push_back(ConfigDiagnostic::error(
        element, "has no addr attribute, expected the SQL Server's address such as addr=\"127.0.0.1\"", "addr"));
  if (const auto port = element.attribute("port")) {
    int value = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
    if (port->empty() || ec != std::errc() || end != port->data() + port->size() || value < 1 || value > 65535)
      findings.push_back(ConfigDiagnostic::error(
          element, "has port=\"" + *port + "\", expected a TCP port number from 1 to 65535 (SQL Server: 1433)",
          "port"));
    else
      target.port = value;
  }
  target.user = element.attribute("user").value_or("");
  if (target.user.empty())
    findings.push_back(ConfigDiagnostic::error(
        element, "has no user attribute, expected the SQL Server login the check uses, such as user=\"haven_check\"",
        "user"));
  target.password = element.attribute("password").value_or("");
  if (const auto version = element.attribute("tds_version")) {
    bool known = false;
    for (const char* v : kVersions) known = known || *version == v;
    if (!known)
      findings.push_back(ConfigDiagnostic::error(
          element, "has tds_version=\"" + *version + "\", expected 7.0, 7.1, 7.2, 7.3 or 7.4 (SQL Server 2012 and later: 7.4)",
          "tds_version"));
    else
      target.tds_version = *version;
  }
  if (findings.size() != before) return std::nullopt;
  return target;
}

}  // namespace

std::string TdsTarget::endpoint() const {
  return (addr.find(':') != std::string::npos ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
}

const CheckerSchema& tds_schema() {
  static const CheckerSchema schema{"tds", CheckerSection::check, "tds", "tds_", "prim", "restart", true};
  return schema;
}

CheckerConfiguration configure_tds(const ConfigNode& element) {
  CheckerConfiguration out;
  (void)read_tds(element, out.diagnostics);
  if (!element.attribute("password"))
    out.diagnostics.push_back(ConfigDiagnostic::warning(
        element, "has no password attribute: the check logs in with an empty password", "password"));
  warn_unknown(element, {"addr", "port", "user", "password", "tds_version"}, host_checker_attributes(CheckerSection::check),
               {}, out.diagnostics);
  return out;
}

Result<TdsTarget> parse_tds_target(const ConfigNode& element) {
  std::vector<ConfigDiagnostic> findings;
  auto target = read_tds(element, findings);
  if (!target)
    return fail(Errc::invalid_argument,
                "haven.checker.tds: " + findings.front().element_place() + " " + findings.front().message);
  return std::move(*target);
}

}  // namespace haven::checker_tds
