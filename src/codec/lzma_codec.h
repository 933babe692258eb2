// LZMA2 block compression through liblzma. Blocks are raw LZMA2 streams (no
// .xz container: the segment block header already has lengths and a CRC).

#ifndef SPIRAPI_CODEC_LZMA_CODEC_H_
#define SPIRAPI_CODEC_LZMA_CODEC_H_

#include <string>
#include <string_view>

#include "spirapi/status.h"

namespace spirapi {

// Compresses `in` with LZMA preset `level` (1..9) and appends to *out.
Status LzmaCompress(int level, std::string_view in, std::string* out);

// Decompresses a block that must expand to exactly `raw_size` bytes.
// Corruption if it does not decode or has the wrong length.
Status LzmaDecompress(std::string_view in, size_t raw_size, std::string* out);

}  // namespace spirapi

#endif  // SPIRAPI_CODEC_LZMA_CODEC_H_
