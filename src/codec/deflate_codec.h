// DEFLATE block compression through libdeflate, for segment footers: they are
// read whole at every open, and DEFLATE decodes about ten times faster than
// LZMA2 (docs/DESIGN.md, "Recovery on open"). Raw DEFLATE streams, no zlib
// or gzip wrapper: the block header already has lengths and a CRC.
#ifndef SPIRAPI_CODEC_DEFLATE_CODEC_H_
#define SPIRAPI_CODEC_DEFLATE_CODEC_H_

#include <string>
#include <string_view>

#include "spirapi/status.h"

namespace spirapi {

// Compresses `in` at libdeflate level `level` (1..12) and appends to *out.
Status DeflateCompress(int level, std::string_view in, std::string* out);
// Decompresses a block that must expand to exactly `raw_size` bytes into
// *out. Corruption if it does not decode or has the wrong length.
Status DeflateDecompress(std::string_view in, size_t raw_size, std::string* out);

}  // namespace spirapi

#endif  // SPIRAPI_CODEC_DEFLATE_CODEC_H_
