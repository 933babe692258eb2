// Authenticated encryption of records and blocks: AES-256-GCM (OpenSSL, uses
// AES-NI) with a random 96-bit nonce per message, under a key derived from the
// passphrase with scrypt (memory-hard).
//
// Sealed message layout: nonce (12 bytes) | ciphertext | tag (16 bytes).

#ifndef SPIRAPI_CODEC_CIPHER_H_
#define SPIRAPI_CODEC_CIPHER_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "spirapi/status.h"

namespace spirapi {

struct KdfParams {
  uint64_t n = 1u << 15;  // scrypt cost: 32 MiB of memory with r = 8
  uint64_t r = 8;
  uint64_t p = 1;
  std::string salt;       // 16 random bytes, stored in the manifest
};

class Cipher {
 public:
  static constexpr size_t kNonceBytes = 12;
  static constexpr size_t kTagBytes = 16;
  static constexpr size_t kOverhead = kNonceBytes + kTagBytes;

  // Derives the key. InvalidArgument for an empty passphrase or bad params.
  static Status Create(std::string_view passphrase, const KdfParams& params, Cipher* out);

  // Appends the sealed form of plain to *out.
  Status Seal(std::string_view plain, std::string* out) const;
  // Authenticates and decrypts; Corruption if the tag does not match (damaged
  // bytes, or a wrong key).
  Status Open(std::string_view sealed, std::string* out) const;

  bool enabled() const { return enabled_; }

 private:
  std::array<uint8_t, 32> key_{};
  bool enabled_ = false;
};

// Fills n bytes from OpenSSL's CSPRNG.
Status RandomBytes(size_t n, std::string* out);

}  // namespace spirapi

#endif  // SPIRAPI_CODEC_CIPHER_H_
