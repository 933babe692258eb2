#include "codec/deflate_codec.h"

#include <libdeflate.h>

#include <memory>

#include "util/thread_cache.h"

namespace spirapi {

namespace {

struct CompressorFree {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
// Decompressors are about 10 KiB of tables: one per thread.
using Decompressor = LazyHandle<libdeflate_decompressor, libdeflate_alloc_decompressor,
                                libdeflate_free_decompressor>;

}  // namespace

Status DeflateCompress(int level, std::string_view in, std::string* out) {
  std::unique_ptr<libdeflate_compressor, CompressorFree> c(libdeflate_alloc_compressor(level));
  if (c == nullptr) return Status::IOError("cannot allocate a DEFLATE compressor");
  const size_t start = out->size();
  out->resize(start + libdeflate_deflate_compress_bound(c.get(), in.size()));
  size_t n = libdeflate_deflate_compress(c.get(), in.data(), in.size(), out->data() + start,
                                         out->size() - start);
  if (n == 0) return Status::IOError("DEFLATE compression failed");
  out->resize(start + n);
  return Status::OK();
}

Status DeflateDecompress(std::string_view in, size_t raw_size, std::string* out) {
  Decompressor own_at_exit;
  libdeflate_decompressor* d = ThreadCache<Decompressor>::GetOr(&own_at_exit)->Get();
  if (d == nullptr) return Status::IOError("cannot allocate a DEFLATE decompressor");
  out->resize(raw_size);
  size_t actual = 0;
  libdeflate_result r =
      libdeflate_deflate_decompress(d, in.data(), in.size(), out->data(), raw_size, &actual);
  if (r != LIBDEFLATE_SUCCESS || actual != raw_size) {
    out->clear();
    return Status::Corruption("DEFLATE block does not decode to its stated length");
  }
  return Status::OK();
}

}  // namespace spirapi
