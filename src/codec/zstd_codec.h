// Zstandard block compression through libzstd, with optional dictionaries
// trained on a segment's own records. Small blocks compress poorly on their
// own (each starts with an empty history); a dictionary of the strings the
// records share gives every block that history back, so that 4 KiB blocks
// are about as small as 64 KiB LZMA blocks and decode about 150x faster
// (docs/BENCHMARKS.md). Frames carry a content checksum (zstd's XXH64 of the
// decoded bytes, checked by every decode), but no content size or dictionary
// id: the segment block header has the lengths.

#ifndef SPIRAPI_CODEC_ZSTD_CODEC_H_
#define SPIRAPI_CODEC_ZSTD_CODEC_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/status.h"

struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace spirapi {

// The zstd level for a SpiraPi compression_level 1..9 (higher = smaller):
// 1, 2, 3, 13, 14, 15, 16, 18, 19.
int ZstdLevelFor(int compression_level);

// A dictionary, prepared for decoding and (when made with a level) for
// encoding. Immutable and thread-safe once made.
class ZstdDictionary {
 public:
  // Corruption if the bytes are not a usable dictionary. zstd_level 0: the
  // dictionary only decodes.
  static Status Make(std::string bytes, int zstd_level,
                     std::shared_ptr<const ZstdDictionary>* out);
  ~ZstdDictionary();
  ZstdDictionary(const ZstdDictionary&) = delete;
  ZstdDictionary& operator=(const ZstdDictionary&) = delete;

  const std::string& bytes() const { return bytes_; }
  // Memory held, including the prepared tables.
  size_t MemoryBytes() const;

 private:
  ZstdDictionary() = default;
  friend Status ZstdCompress(int, std::string_view, const ZstdDictionary*, std::string*);
  friend Status ZstdDecompress(std::string_view, size_t, const ZstdDictionary*, std::string*,
                               bool*);

  std::string bytes_;
  ZSTD_CDict_s* cdict_ = nullptr;
  ZSTD_DDict_s* ddict_ = nullptr;
};

// Trains a dictionary of at most `capacity` bytes on the samples. Returns
// false (and leaves *dict empty) when the samples are too few or too small to
// train on: the caller then compresses without one.
bool TrainZstdDictionary(const std::vector<std::string_view>& samples, size_t capacity,
                         std::string* dict);

// Compresses `in` at zstd level `zstd_level` (with `dict`'s encoder tables if
// given; the dictionary then fixes the level) and appends to *out.
Status ZstdCompress(int zstd_level, std::string_view in, const ZstdDictionary* dict,
                    std::string* out);

// Decompresses a block that must expand to exactly `raw_size` bytes into
// *out (replacing its contents). `dict` must be the one it was compressed
// with. Corruption if it does not decode, fails its content checksum or has
// the wrong length. *content_checked, if given: the frame had a content
// checksum (and it matched).
Status ZstdDecompress(std::string_view in, size_t raw_size, const ZstdDictionary* dict,
                      std::string* out, bool* content_checked = nullptr);

}  // namespace spirapi

#endif  // SPIRAPI_CODEC_ZSTD_CODEC_H_
