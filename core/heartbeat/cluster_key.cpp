#include "heartbeat/cluster_key.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "common/atomic_file.hpp"
#include "heartbeat/hex.hpp"

namespace haven {
namespace {

constexpr const char* kRemedy =
    "copy the cluster key from another node (same file on every node, mode 0600), "
    "or create one with `haven cluster genkey`";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<ClusterKey> generate_cluster_key() {
  ClusterKey key;
  if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1)
    return fail(Errc::io_error,
                "cannot generate a cluster key: OpenSSL's random generator has no entropy "
                "(RAND_bytes failed); check /dev/urandom and retry");
  return key;
}

KeyFingerprint fingerprint(const ClusterKey& key) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(key.bytes.data(), key.bytes.size(), digest.data());
  KeyFingerprint fp{};
  std::memcpy(fp.data(), digest.data(), fp.size());
  return fp;
}

std::string fingerprint_hex(const ClusterKey& key) { return hex::encode(fingerprint(key)); }

Status save_cluster_key(const std::filesystem::path& path, const ClusterKey& key) {
  std::string text = "# haven cluster key, fingerprint " + fingerprint_hex(key) +
                     ": the same file on every node of the cluster; keep it secret (mode 0600)\n" +
                     hex::encode(key.bytes) + "\n";
  // write_file_atomically creates a new file with mode 0600 before writing the key into it.
  return write_file_atomically(path, text, 0600);
}

Result<ClusterKey> load_cluster_key(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT)
      return fail(Errc::not_found, "cluster key " + path.string() + " is missing: " + kRemedy);
    return fail(Errc::io_error, "cannot read cluster key " + path.string() + ": " + std::strerror(err));
  }
  if (st.st_uid != ::geteuid())
    return fail(Errc::refused, "cluster key " + path.string() + " is owned by uid " + std::to_string(st.st_uid) +
                                   ", not by the user haven runs as (uid " + std::to_string(::geteuid()) +
                                   "): another user could have replaced it; the key is refused until `chown " +
                                   std::to_string(::geteuid()) + " " + path.string() + "`");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(Errc::refused, "cluster key " + path.string() + " has mode " + mode +
                                   ": group or others may read or change it; the key is refused "
                                   "until `chmod 600 " + path.string() + "`");
  }
  auto text = read_file(path);
  if (!text) return text.error();

  std::istringstream lines(*text);
  std::string line;
  int line_no = 0;
  int key_line_no = 0;
  std::string key_text;
  while (std::getline(lines, line)) {
    ++line_no;
    auto content = trim(line);
    if (content.empty() || content.front() == '#') continue;
    if (key_line_no != 0)
      return fail(Errc::parse_error, "cluster key " + path.string() + ":" + std::to_string(line_no) +
                                         ": a second key line (the first is line " +
                                         std::to_string(key_line_no) +
                                         "); expected exactly one line of 64 hex digits");
    key_line_no = line_no;
    key_text = content;
  }
  if (key_line_no == 0)
    return fail(Errc::parse_error, "cluster key " + path.string() +
                                       " holds no key line; expected one line of 64 hex digits. " +
                                       kRemedy);
  auto where = "cluster key " + path.string() + ":" + std::to_string(key_line_no);
  std::size_t bad_at = 0;
  auto bytes = hex::decode(key_text, &bad_at);
  if (!bytes && bad_at < key_text.size())
    return fail(Errc::parse_error, where + ": character " + std::to_string(bad_at + 1) + " ('" +
                                       key_text[bad_at] + "') is not a hex digit; expected 64 hex digits");
  if (!bytes || bytes->size() != ClusterKey::kSize)
    return fail(Errc::parse_error, where + ": the key is " + std::to_string(key_text.size()) +
                                       " hex digits long; expected 64 (32 bytes)");
  ClusterKey key;
  std::memcpy(key.bytes.data(), bytes->data(), key.bytes.size());
  return key;
}

}  // namespace haven
