#include "util/hash.h"

#include <openssl/evp.h>
#include <libdeflate.h>

#include "util/thread_cache.h"

namespace spirapi {
namespace {

// Fetched once: OpenSSL 3 looks the algorithm up on every implicit use.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

using DigestContext = LazyHandle<EVP_MD_CTX, EVP_MD_CTX_new, EVP_MD_CTX_free>;

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Sha256Md(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

Sha256Digest Sha256::Finish() {
  Sha256Digest digest;
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest.data(), &len);
  return digest;
}

Sha256Digest Sha256Of(std::string_view data) {
  // One context per thread: creating one costs as much as hashing 1 KiB.
  DigestContext own_at_exit;
  EVP_MD_CTX* ctx = ThreadCache<DigestContext>::GetOr(&own_at_exit)->Get();
  Sha256Digest digest;
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, Sha256Md(), nullptr);
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, digest.data(), &len);
  return digest;
}

uint32_t Crc32(std::string_view data, uint32_t seed) {
  return libdeflate_crc32(seed, data.data(), data.size());
}

std::string ToHex(const uint8_t* data, size_t n) {
  std::string out;
  AssignHex(data, n, &out);
  return out;
}

void AssignHex(const uint8_t* data, size_t n, std::string* out) {
  static const char kDigits[] = "0123456789abcdef";
  out->resize(2 * n);
  for (size_t i = 0; i < n; ++i) {
    (*out)[2 * i] = kDigits[data[i] >> 4];
    (*out)[2 * i + 1] = kDigits[data[i] & 15];
  }
}

bool FromHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace spirapi
