#include "replication_link/link_tls.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>

#include <cstring>

namespace haven::replication {
namespace {

// TLS_AES_128_GCM_SHA256: fast with AES-NI; the PSK's hash must be this suite's (SHA-256).
constexpr unsigned char kCipherId[2] = {0x13, 0x01};

// Asio keeps its verify callback in the context's app data: the key goes in a slot of its own.
int psk_slot() {
  static const int slot = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return slot;
}

const LinkPsk* psk_of(SSL* ssl) { return static_cast<const LinkPsk*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), psk_slot())); }

SSL_SESSION* psk_session(SSL* ssl, const LinkPsk& psk) {
  const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kCipherId);
  if (cipher == nullptr) return nullptr;
  SSL_SESSION* session = SSL_SESSION_new();
  if (session == nullptr) return nullptr;
  if (SSL_SESSION_set1_master_key(session, psk.key.data(), psk.key.size()) != 1 || SSL_SESSION_set_cipher(session, cipher) != 1 ||
      SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) != 1) {
    SSL_SESSION_free(session);
    return nullptr;
  }
  return session;
}

int use_psk(SSL* ssl, const EVP_MD* md, const unsigned char** id, size_t* id_length, SSL_SESSION** session) {
  *session = nullptr;
  const LinkPsk* psk = psk_of(ssl);
  const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kCipherId);
  if (psk == nullptr || cipher == nullptr) return 0;
  // A second call (after a HelloRetryRequest) names the hash already chosen: offer nothing else.
  if (md != nullptr && md != SSL_CIPHER_get_handshake_digest(cipher)) return 1;
  *session = psk_session(ssl, *psk);
  if (*session == nullptr) return 0;
  *id = reinterpret_cast<const unsigned char*>(psk->identity.data());
  *id_length = psk->identity.size();
  return 1;
}

int find_psk(SSL* ssl, const unsigned char* identity, size_t identity_length, SSL_SESSION** session) {
  *session = nullptr;
  const LinkPsk* psk = psk_of(ssl);
  if (psk == nullptr) return 0;
  // Another module's identity: no PSK, and with no certificate the handshake then fails.
  if (identity_length != psk->identity.size() || std::memcmp(identity, psk->identity.data(), identity_length) != 0) return 1;
  *session = psk_session(ssl, *psk);
  return *session != nullptr ? 1 : 0;
}

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(e, buffer, sizeof buffer);
  return buffer;
}

}  // namespace

Result<LinkPsk> derive_link_psk(const ClusterKey& cluster_key, const std::string& module) {
  LinkPsk out;
  out.identity = "haven replication " + module;
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return fail(Errc::internal, "OpenSSL has no HKDF to derive the replication key: " + openssl_error());
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return fail(Errc::internal, "cannot derive the replication key: " + openssl_error());
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(cluster_key.bytes.data()), cluster_key.bytes.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, out.identity.data(), out.identity.size()),
      OSSL_PARAM_construct_end()};
  const int rc = EVP_KDF_derive(ctx, out.key.data(), out.key.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) return fail(Errc::internal, "cannot derive the replication key for module " + module + ": " + openssl_error());
  return out;
}

Result<std::unique_ptr<boost::asio::ssl::context>> make_link_context(const LinkPsk& psk, bool server) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(server ? ssl::context::tls_server : ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 || SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1)
    return fail(Errc::internal, "cannot restrict the replication link to TLS 1.3: " + openssl_error());
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // the PSK authenticates both ends
  if (psk_slot() < 0 || SSL_CTX_set_ex_data(ctx, psk_slot(), const_cast<LinkPsk*>(&psk)) != 1)
    return fail(Errc::internal, "cannot attach the replication key to the TLS context: " + openssl_error());
  if (server)
    SSL_CTX_set_psk_find_session_callback(ctx, find_psk);
  else
    SSL_CTX_set_psk_use_session_callback(ctx, use_psk);
  return context;
}

}  // namespace haven::replication
