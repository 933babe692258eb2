#include "codec/cipher.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>

#include "util/thread_cache.h"

namespace spirapi {
namespace {

// One context per thread: creating one per message costs more than the
// encryption of a small record.
using CipherContext = LazyHandle<EVP_CIPHER_CTX, EVP_CIPHER_CTX_new, EVP_CIPHER_CTX_free>;

}  // namespace

Status RandomBytes(size_t n, std::string* out) {
  out->resize(n);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out->data()), static_cast<int>(n)) != 1) {
    return Status::IOError("the random number generator failed");
  }
  return Status::OK();
}

Status Cipher::Create(std::string_view passphrase, const KdfParams& params, Cipher* out) {
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase is empty");
  if (params.salt.size() < 16 || params.n < 2 || (params.n & (params.n - 1)) != 0 ||
      params.n > (1u << 22) || params.r == 0 || params.r > 32 || params.p == 0 || params.p > 16) {
    return Status::InvalidArgument("bad key derivation parameters");
  }
  Cipher c;
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(),
                     reinterpret_cast<const unsigned char*>(params.salt.data()),
                     params.salt.size(), params.n, params.r, params.p,
                     /*maxmem=*/(params.n * params.r * 128) + (64u << 20), c.key_.data(),
                     c.key_.size()) != 1) {
    return Status::IOError("scrypt key derivation failed");
  }
  c.enabled_ = true;
  *out = c;
  return Status::OK();
}

Status Cipher::Seal(std::string_view plain, std::string* out) const {
  size_t start = out->size();
  std::string nonce;
  Status s = RandomBytes(kNonceBytes, &nonce);
  if (!s.ok()) return s;
  out->append(nonce);
  out->resize(start + kNonceBytes + plain.size() + kTagBytes);
  auto* dst = reinterpret_cast<unsigned char*>(out->data() + start);
  CipherContext own_at_exit;
  EVP_CIPHER_CTX* ctx = ThreadCache<CipherContext>::GetOr(&own_at_exit)->Get();
  int len = 0;
  bool ok = ctx != nullptr &&
            EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key_.data(), dst) == 1 &&
            EVP_EncryptUpdate(ctx, dst + kNonceBytes, &len,
                              reinterpret_cast<const unsigned char*>(plain.data()),
                              static_cast<int>(plain.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, dst + kNonceBytes + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                dst + kNonceBytes + plain.size()) == 1;
  if (!ok) {
    out->resize(start);
    return Status::IOError("AES-256-GCM encryption failed");
  }
  return Status::OK();
}

Status Cipher::Open(std::string_view sealed, std::string* out) const {
  if (sealed.size() < kOverhead) return Status::Corruption("encrypted data too short");
  size_t plain_size = sealed.size() - kOverhead;
  auto* src = reinterpret_cast<const unsigned char*>(sealed.data());
  out->resize(plain_size);
  CipherContext own_at_exit;
  EVP_CIPHER_CTX* ctx = ThreadCache<CipherContext>::GetOr(&own_at_exit)->Get();
  int len = 0;
  unsigned char tag[kTagBytes];
  std::copy(src + kNonceBytes + plain_size, src + sealed.size(), tag);
  bool ok = ctx != nullptr &&
            EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key_.data(), src) == 1 &&
            EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out->data()), &len,
                              src + kNonceBytes, static_cast<int>(plain_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
            EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out->data()) + len, &len) ==
                1;
  if (!ok) {
    out->clear();
    return Status::Corruption("authentication failed (damaged data or wrong key)");
  }
  return Status::OK();
}

}  // namespace spirapi
