// haven SDK: checkers, which watch one thing and say whether it is up.
//
// A checker plugin owns one element of userconfig.xml (`<tcp>` inside `<check>`, `<proc>`
// inside `<errd>`), as an extension owns its typed configuration in Envoy and each check
// installs its own keywords in keepalived. Its descriptor's factory makes a CheckerFactory,
// which names the element, validates it (configure) and makes one Checker per element (make).
// The policy (interval, timeout, when it runs, the resource it sets, the action it asks for)
// lives in the host, which reads those common attributes itself; a checker only answers "up
// or down, and why".
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "haven/config_node.hpp"
#include "haven/plugin.hpp"
#include "haven/result.hpp"

namespace haven {

/// The answer of one probe.
struct CheckResult {
  bool up = false;     ///< true when the watched thing is healthy
  std::string reason;  ///< why, for the log: "connected to 127.0.0.1:80 in 3 ms"
};

/// Watches one thing, configured from its XML element (HostContext::config()).
class Checker : public PluginObject {
 public:
  /// Probes once, returning within `timeout`. Called from a host worker thread, never
  /// concurrently on the same object. An error means the probe itself could not run
  /// (bad configuration); the host then reports the resource as unknown.
  virtual Result<CheckResult> probe(std::chrono::milliseconds timeout) noexcept = 0;
};

/// One probe's answer together with the run of the watched thing that gave it.
struct RunCheckResult {
  CheckResult check;
  /// What runs, for the log: "module db on node node2".
  std::string thing;
  /// Which run of it answered: equal at two probes only when it did not stop and start in
  /// between ("agent 4242, generation 7"); a text of its own while it is not running
  /// ("not running"). Empty when the probe learnt nothing of it (no answer).
  std::string run;
};

/// A checker that can also tell which run of the watched thing it saw (a module that stops
/// and starts again), so that the host notices a restart between two probes that both found
/// it up. The host finds it with dynamic_cast on the Checker it made; other checkers are not
/// one, and the host sees no restarts of what they watch. What a restart leads to (the module
/// checker's stopstart) is the host's policy.
class RunAwareChecker : public Checker {
 public:
  /// As probe(), with the run. Called instead of probe(), under the same rules.
  virtual Result<RunCheckResult> probe_run(std::chrono::milliseconds timeout) noexcept = 0;
};

/// Which section of userconfig.xml holds a checker's element: `<check>` (checkers, acted on
/// through the failover rules) or `<errd>` (process monitoring, acted on directly).
enum class CheckerSection { check, errd };

/// What a checker plugin declares about the element it owns. The host reads it once, before it
/// reads any configuration, and finds the plugin of an element by `section` and `element`.
struct CheckerSchema {
  std::string element;        ///< the element name it owns: "tcp" for <check><tcp>
  CheckerSection section = CheckerSection::check;
  /// The class of the resources it sets: "tcp" gives tcp.<id>, what failover rules name.
  std::string resource_class;
  /// The label prefix of the rule the host generates for each element: "t_" gives
  /// `t_<id>: if (tcp.<id> == down) then <action>();`. Empty: no rule is generated (a
  /// built-in rule such as module_failure acts on the class, or the section acts directly).
  std::string rule_prefix;
  /// `when` and `action` when the element does not set them (`<check>` only; `<errd>`
  /// children take errd's defaults, class="prim" and action="stopstart"):
  /// prim|second|both|pre and wait|restart|stopstart|stop|swap|noaction.
  std::string default_when = "prim";
  std::string default_action = "restart";
  /// true: the element must have an `ident`, which names its resource. false: without one,
  /// the resource is named by configure()'s default_id.
  bool ident_required = true;
};

/// The attributes the host reads itself on every checker element of a section, never read
/// nor reported by a plugin: ident, when, action, interval and timeout in `<check>`; name
/// (the resource's id), action, class, start_after and restart_services in `<errd>`. Of a
/// `<to>` child of a `<check>` element the host reads interval and timeout (the first `<to>`'s
/// override the element's).
inline const std::vector<std::string_view>& host_checker_attributes(CheckerSection section) {
  static const std::vector<std::string_view> check{"ident", "when", "action", "interval", "timeout"};
  static const std::vector<std::string_view> errd{"name", "action", "class", "start_after", "restart_services"};
  return section == CheckerSection::check ? check : errd;
}
/// The attributes of a `<to>` child that the host reads itself (see host_checker_attributes).
inline const std::vector<std::string_view>& host_target_attributes() {
  static const std::vector<std::string_view> to{"interval", "timeout"};
  return to;
}

/// What configure() made of one element.
struct CheckerConfiguration {
  /// The id of its resource when the element has no `ident` ("198.51.100.50" for
  /// `<ip><to addr="198.51.100.50"/></ip>`); empty when the plugin has none to offer.
  std::string default_id;
  /// Every finding, each naming the file, line and element or attribute. Any error refuses
  /// the module; warnings are shown by `haven config check` and at start.
  std::vector<ConfigDiagnostic> diagnostics;

  /// True when no diagnostic is an error.
  bool ok() const {
    for (const auto& d : diagnostics)
      if (d.severity == ConfigSeverity::error) return false;
    return true;
  }
};

/// What a checker plugin's descriptor factory makes (descriptor kind kKindChecker): the owner
/// of one element, which the host asks to validate each element it finds and to make a
/// Checker for each. The host makes one per plugin and keeps it while it makes checkers; all
/// functions may be called from any thread, concurrently, and never throw.
class CheckerFactory : public PluginObject {
 public:
  /// The element this plugin owns and the policy defaults of its checkers. The same value at
  /// every call, for the life of the object.
  virtual const CheckerSchema& schema() const noexcept = 0;

  /// Validates one element of the owned name, with its whole subtree, except the attributes
  /// the host reads itself (host_checker_attributes): its own attributes and children, and
  /// warnings for what it does not know. Called by `haven config check`, at module install
  /// and before a module starts; it reads nothing but the element (no network, no files).
  virtual CheckerConfiguration configure(const ConfigNode& element) const noexcept = 0;

  /// Makes a checker for the element `host.config()` (one that configure() accepted). `host`
  /// outlives the checker. An error (invalid_argument for a bad element) refuses the module's
  /// start; its message names the element's file and line.
  virtual Result<std::unique_ptr<Checker>> make(HostContext& host) noexcept = 0;
};

/// A CheckerFactory made of a schema and two functions, enough for most checkers:
///
///   haven::CheckerConfiguration configure(const haven::ConfigNode& element);
///   haven::Result<std::unique_ptr<haven::Checker>> make(haven::HostContext& host);
///   std::unique_ptr<haven::PluginObject> factory(haven::HostContext&) {
///     return std::make_unique<haven::FunctionCheckerFactory>(
///         haven::CheckerSchema{"file", haven::CheckerSection::check, "file", "f_"}, &configure, &make);
///   }
///   HAVEN_PLUGIN(haven::kKindChecker, "example.checker.file", "1.0.0", "Up while a file exists", factory)
///
/// An exception thrown by either function becomes an error (a diagnostic for configure).
class FunctionCheckerFactory final : public CheckerFactory {
 public:
  using Configure = CheckerConfiguration (*)(const ConfigNode& element);
  using Make = Result<std::unique_ptr<Checker>> (*)(HostContext& host);

  FunctionCheckerFactory(CheckerSchema schema, Configure configure_function, Make make_function)
      : schema_(std::move(schema)), configure_(configure_function), make_(make_function) {}

  const CheckerSchema& schema() const noexcept override { return schema_; }

  CheckerConfiguration configure(const ConfigNode& element) const noexcept override {
    try {
      return configure_(element);
    } catch (const std::exception& e) {
      CheckerConfiguration failed;
      failed.diagnostics.push_back(ConfigDiagnostic::error(
          element, "the checker of <" + schema_.element + "> failed to read it: " + e.what()));
      return failed;
    }
  }

  Result<std::unique_ptr<Checker>> make(HostContext& host) noexcept override {
    try {
      return make_(host);
    } catch (const std::exception& e) {
      return fail(Errc::internal, "the checker of <" + schema_.element + "> failed to make a checker: " + e.what());
    }
  }

 private:
  CheckerSchema schema_;
  Configure configure_;
  Make make_;
};

}  // namespace haven
