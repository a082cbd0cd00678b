// Up while a file exists: <file path="/run/myapp.ready"/>.
#pragma once

#include <haven/checker.hpp>
#include <haven/host_context.hpp>

namespace example {

class FileChecker final : public haven::Checker {
 public:
  explicit FileChecker(haven::HostContext& host) : host_(host) {}
  haven::Result<haven::CheckResult> probe(std::chrono::milliseconds timeout) noexcept override;

 private:
  haven::HostContext& host_;
};

}  // namespace example
