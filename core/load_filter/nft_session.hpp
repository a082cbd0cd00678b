// One libnftables context: runs an nft script as one transaction in the calling thread's
// network namespace and gives back nft's own words.
#pragma once

#include <string>

#include "haven/result.hpp"

struct nft_ctx;

namespace haven::load_filter {

/// What nft printed for a script that it accepted.
struct NftOutput {
  std::string output;  ///< standard output (listings)
};

/// Owns an nft context with output and errors captured in buffers. Not thread-safe; the
/// namespace is the one of the thread that calls run().
class NftSession {
 public:
  /// io_error when libnftables cannot make a context.
  [[nodiscard]] static Result<NftSession> open();
  NftSession(NftSession&& other) noexcept;
  NftSession& operator=(NftSession&& other) noexcept;
  NftSession(const NftSession&) = delete;
  NftSession& operator=(const NftSession&) = delete;
  ~NftSession();

  /// Runs `script` (several commands: one batch, all or nothing). On failure, io_error whose
  /// message is nft's error text (with its caret lines), trimmed.
  [[nodiscard]] Result<NftOutput> run(const std::string& script);

  /// Parses and evaluates `script` without changing the kernel's ruleset (nft --check).
  [[nodiscard]] Result<NftOutput> check(const std::string& script);

 private:
  explicit NftSession(nft_ctx* ctx) : ctx_(ctx) {}
  Result<NftOutput> execute(const std::string& script);
  nft_ctx* ctx_ = nullptr;
};

}  // namespace haven::load_filter
