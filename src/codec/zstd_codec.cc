#include "codec/zstd_codec.h"

#include <zdict.h>
#include <zstd.h>

#include <algorithm>

#include "util/thread_cache.h"

namespace spirapi {
namespace {

// Contexts are costly to make (their tables are hundreds of KiB) and cheap
// to reuse: one of each per thread.
using CompressContext = LazyHandle<ZSTD_CCtx, ZSTD_createCCtx, ZSTD_freeCCtx>;
using DecompressContext = LazyHandle<ZSTD_DCtx, ZSTD_createDCtx, ZSTD_freeDCtx>;

std::string ZstdError(size_t code) { return ZSTD_getErrorName(code); }

}  // namespace

int ZstdLevelFor(int compression_level) {
  // zstd's levels 4..12 (its lazy matchers) made SpiraPi's records larger
  // than level 3 did, with a dictionary over 4 KiB blocks (ratio 0.292 at 4,
  // 0.311 at 5, 0.272 at 12, against 0.259 at 3; docs/BENCHMARKS.md): they
  // are skipped, so that a higher SpiraPi level is never larger.
  static constexpr int kLevels[10] = {0, 1, 2, 3, 13, 14, 15, 16, 18, 19};
  return kLevels[std::clamp(compression_level, 0, 9)];
}

Status ZstdDictionary::Make(std::string bytes, int zstd_level,
                            std::shared_ptr<const ZstdDictionary>* out) {
  std::shared_ptr<ZstdDictionary> d(new ZstdDictionary());
  d->bytes_ = std::move(bytes);
  d->ddict_ = ZSTD_createDDict(d->bytes_.data(), d->bytes_.size());
  if (d->ddict_ == nullptr) return Status::Corruption("zstd dictionary does not load");
  if (zstd_level > 0) {
    d->cdict_ = ZSTD_createCDict(d->bytes_.data(), d->bytes_.size(), zstd_level);
    if (d->cdict_ == nullptr) return Status::Corruption("zstd dictionary does not load");
  }
  *out = std::move(d);
  return Status::OK();
}

ZstdDictionary::~ZstdDictionary() {
  ZSTD_freeCDict(cdict_);
  ZSTD_freeDDict(ddict_);
}

size_t ZstdDictionary::MemoryBytes() const {
  return bytes_.capacity() + ZSTD_sizeof_DDict(ddict_) + ZSTD_sizeof_CDict(cdict_);
}

bool TrainZstdDictionary(const std::vector<std::string_view>& samples, size_t capacity,
                         std::string* dict) {
  dict->clear();
  std::string joined;
  std::vector<size_t> sizes;
  sizes.reserve(samples.size());
  for (std::string_view s : samples) {
    joined.append(s);
    sizes.push_back(s.size());
  }
  // zstd's trainer refuses fewer than a handful of samples, and a dictionary
  // larger than a tenth of what it learned from would not pay for itself.
  capacity = std::min(capacity, joined.size() / 10);
  if (sizes.size() < 8 || capacity < 1024) return false;
  dict->resize(capacity);
  size_t n = ZDICT_trainFromBuffer(dict->data(), dict->size(), joined.data(), sizes.data(),
                                   static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) {
    dict->clear();
    return false;
  }
  dict->resize(n);
  return true;
}

Status ZstdCompress(int zstd_level, std::string_view in, const ZstdDictionary* dict,
                    std::string* out) {
  CompressContext own_at_exit;
  ZSTD_CCtx* cctx = ThreadCache<CompressContext>::GetOr(&own_at_exit)->Get();
  if (cctx == nullptr) return Status::IOError("zstd: out of memory");
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, zstd_level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
  if (dict != nullptr && dict->cdict_ != nullptr) ZSTD_CCtx_refCDict(cctx, dict->cdict_);
  const size_t start = out->size();
  out->resize(start + ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compress2(cctx, out->data() + start, out->size() - start, in.data(), in.size());
  if (ZSTD_isError(n)) {
    out->resize(start);
    return Status::IOError("zstd compression failed: " + ZstdError(n));
  }
  out->resize(start + n);
  return Status::OK();
}

namespace {

// Decodes in steps into a buffer that grows as output arrives: for a block
// whose header claims far more bytes than its input could plausibly hold, so
// that a damaged length cannot make a read allocate a gigabyte up front.
Status DecompressGrowing(ZSTD_DCtx* dctx, std::string_view in, size_t raw_size,
                         const ZSTD_DDict_s* ddict, size_t first_capacity, std::string* out) {
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  if (ddict != nullptr) ZSTD_DCtx_refDDict(dctx, ddict);
  out->resize(first_capacity);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  ZSTD_outBuffer ob{out->data(), out->size(), 0};
  while (true) {
    const size_t in_before = ib.pos, out_before = ob.pos;
    const size_t r = ZSTD_decompressStream(dctx, &ob, &ib);
    if (ZSTD_isError(r)) return Status::Corruption("zstd block does not decode: " + ZstdError(r));
    if (r == 0) break;  // the frame is complete (its checksum checked)
    if (ob.pos == ob.size && ob.size < raw_size) {
      out->resize(std::min(raw_size, 2 * ob.size));
      ob.dst = out->data();
      ob.size = out->size();
    } else if (ib.pos == in_before && ob.pos == out_before) {
      return Status::Corruption("zstd block is truncated or longer than its length");
    }
  }
  if (ob.pos != raw_size || ib.pos != in.size()) {
    return Status::Corruption("zstd block has the wrong length");
  }
  return Status::OK();
}

}  // namespace

Status ZstdDecompress(std::string_view in, size_t raw_size, const ZstdDictionary* dict,
                      std::string* out, bool* content_checked) {
  if (content_checked != nullptr) *content_checked = false;
  DecompressContext own_at_exit;
  ZSTD_DCtx* dctx = ThreadCache<DecompressContext>::GetOr(&own_at_exit)->Get();
  if (dctx == nullptr) return Status::IOError("zstd: out of memory");
  // What SpiraPi writes expands at most a few hundred times; only a long run
  // of one byte expands more, and it still decodes, in steps.
  const size_t plausible = 256 * in.size() + (1 << 20);
  Status s;
  if (raw_size <= plausible) {
    out->resize(raw_size);
    const size_t n = dict != nullptr ? ZSTD_decompress_usingDDict(dctx, out->data(), raw_size,
                                                                  in.data(), in.size(),
                                                                  dict->ddict_)
                                     : ZSTD_decompressDCtx(dctx, out->data(), raw_size,
                                                           in.data(), in.size());
    if (ZSTD_isError(n)) {
      s = Status::Corruption("zstd block does not decode: " + ZstdError(n));
    } else if (n != raw_size) {
      s = Status::Corruption("zstd block has the wrong length");
    }
  } else {
    s = DecompressGrowing(dctx, in, raw_size, dict != nullptr ? dict->ddict_ : nullptr,
                          plausible, out);
    // A referenced dictionary stays with the context for every later frame,
    // ZSTD_decompressDCtx's included, and may be freed before them: drop it.
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  }
  if (!s.ok()) {
    out->clear();
    return s;
  }
  // The frame decoded, so its header is sound: after the 4-byte magic, the
  // frame header descriptor's bit 2 is the content checksum flag (RFC 8878,
  // 3.1.1.1.1), which the decoder has checked.
  if (content_checked != nullptr) *content_checked = (static_cast<uint8_t>(in[4]) & 0x04) != 0;
  return Status::OK();
}

}  // namespace spirapi
