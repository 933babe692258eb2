// Checksums: SHA-256 (OpenSSL, uses SHA-NI where present) for records and the
// manifest, CRC-32 (the zlib/gzip CRC, computed by libdeflate with PCLMULQDQ,
// about 3x zlib's speed) for journal frames and segment blocks.

#ifndef SPIRAPI_UTIL_HASH_H_
#define SPIRAPI_UTIL_HASH_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace spirapi {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  Sha256Digest Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

Sha256Digest Sha256Of(std::string_view data);
uint32_t Crc32(std::string_view data, uint32_t seed = 0);
std::string ToHex(const uint8_t* data, size_t n);
// The same into *out, reusing its buffer.
void AssignHex(const uint8_t* data, size_t n, std::string* out);
bool FromHex(std::string_view hex, std::string* out);

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_HASH_H_
