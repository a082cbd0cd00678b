#include "load_filter/nft_session.hpp"

#include <nftables/libnftables.h>

#include <utility>

namespace haven::load_filter {
namespace {

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<NftSession> NftSession::open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return fail(Errc::io_error, "libnftables could not create a context (nft_ctx_new failed)");
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
    nft_ctx_free(ctx);
    return fail(Errc::io_error, "libnftables could not buffer its output (nft_ctx_buffer_output/error failed)");
  }
  return NftSession(ctx);
}

NftSession::NftSession(NftSession&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

NftSession& NftSession::operator=(NftSession&& other) noexcept {
  if (this != &other) {
    if (ctx_) nft_ctx_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

NftSession::~NftSession() {
  if (ctx_) nft_ctx_free(ctx_);
}

Result<NftOutput> NftSession::run(const std::string& script) {
  nft_ctx_set_dry_run(ctx_, false);
  return execute(script);
}

Result<NftOutput> NftSession::check(const std::string& script) {
  nft_ctx_set_dry_run(ctx_, true);
  auto result = execute(script);
  nft_ctx_set_dry_run(ctx_, false);
  return result;
}

Result<NftOutput> NftSession::execute(const std::string& script) {
  const int rc = nft_run_cmd_from_buffer(ctx_, script.c_str());
  // Reading a buffer also empties it for the next command.
  NftOutput out{trimmed(nft_ctx_get_output_buffer(ctx_))};
  std::string errors = trimmed(nft_ctx_get_error_buffer(ctx_));
  if (rc != 0) {
    if (errors.empty()) errors = "nft failed with no message";
    return fail(Errc::io_error, errors);
  }
  return out;
}

}  // namespace haven::load_filter
