// Up while a file exists: <file ident="ready" path="/run/myapp.ready"/> inside <check>.
#pragma once

#include <string>

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

namespace example {

/// What the plugin owns: `<check><file>`, resources file.<ident>, the generated rule
/// f_<ident>, and by default when="pre", action="wait": the module waits for its file.
const haven::CheckerSchema& file_schema();

/// Validates a `<file>` element: an absolute `path`, and warnings for what it does not know.
haven::CheckerConfiguration configure_file(const haven::ConfigNode& element);

class FileChecker final : public haven::Checker {
 public:
  explicit FileChecker(std::string path) : path_(std::move(path)) {}
  /// Makes a checker from the element of the host's context (one configure_file accepted).
  static haven::Result<std::unique_ptr<haven::Checker>> from_host(haven::HostContext& host);
  haven::Result<haven::CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

 private:
  std::string path_;
};

}  // namespace example
