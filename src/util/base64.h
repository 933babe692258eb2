// Base64 (RFC 4648, standard alphabet, '=' padding) for record blobs printed
// as JSON: StorageRecord::ToJson and the dump/load lines of the CLI.

#ifndef SPIRAPI_UTIL_BASE64_H_
#define SPIRAPI_UTIL_BASE64_H_

#include <string>
#include <string_view>

namespace spirapi {

// Appends the base64 form of `bytes` to *out.
void AppendBase64(std::string_view bytes, std::string* out);

// Decodes `text` into *out (replacing it). Strict, so that each byte string
// has exactly one accepted spelling: the length must be a multiple of 4,
// padding only at the end, no white space, and the bits a padded group does
// not use must be zero. Returns false, with *out unspecified, otherwise.
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_BASE64_H_
