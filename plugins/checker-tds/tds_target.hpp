// What haven.checker.tds reads from its element: where the server is, who logs in, and the
// TDS version to speak. Pure: no network, no FreeTDS.
//
//   <tds ident="sql" addr="127.0.0.1" port="1433" user="haven_check" password="..."
//        tds_version="7.4" when="prim" action="restart" interval="10s" timeout="5s"/>
#pragma once

#include <string>
#include <vector>

#include <haven/checker.hpp>
#include <haven/config_node.hpp>
#include <haven/result.hpp>

namespace haven::checker_tds {

/// One server and one login, read from a `<tds>` element.
struct TdsTarget {
  std::string addr;                 ///< numeric address or host name
  int port = 1433;                  ///< TCP port of the instance
  std::string user;                 ///< SQL Server login (not a Windows account)
  std::string password;             ///< its password (may be empty)
  std::string tds_version = "7.4";  ///< 7.0, 7.1, 7.2, 7.3 or 7.4

  /// "addr:port" ("[addr]:port" for IPv6), for messages.
  std::string endpoint() const;
};

/// What haven.checker.tds owns: `<check><tds>`, resources tds.<ident>, generated rule
/// tds_<ident>, when="prim" and action="restart" by default, ident required.
const CheckerSchema& tds_schema();

/// Validates a `<tds>` element: addr and user required, port 1..65535, tds_version known,
/// warnings for attributes and children it does not read. Reads nothing but the element.
CheckerConfiguration configure_tds(const ConfigNode& element);

/// The target of a `<tds>` element; the error names the file, line, element, the bad value
/// and what was expected (the first finding of configure_tds).
Result<TdsTarget> parse_tds_target(const ConfigNode& element);

}  // namespace haven::checker_tds
