#include "codec/lzma_codec.h"

#include <lzma.h>

#include <algorithm>

namespace spirapi {
namespace {

// The decoder needs the encoder's filter chain; of its options only the
// dictionary size matters for decoding, so each block stores it (4 bytes)
// before the raw LZMA2 stream.
bool MakeFilters(int level, lzma_options_lzma* opt, lzma_filter filters[2]) {
  if (lzma_lzma_preset(opt, static_cast<uint32_t>(level))) return false;
  filters[0].id = LZMA_FILTER_LZMA2;
  filters[0].options = opt;
  filters[1].id = LZMA_VLI_UNKNOWN;
  filters[1].options = nullptr;
  return true;
}

}  // namespace

Status LzmaCompress(int level, std::string_view in, std::string* out) {
  if (level < 1 || level > 9) return Status::InvalidArgument("LZMA level must be 1..9");
  lzma_options_lzma opt;
  lzma_filter filters[2];
  if (!MakeFilters(level, &opt, filters)) return Status::InvalidArgument("bad LZMA preset");
  // A smaller dictionary than the input is pointless; cap it so that the
  // decoder's allocation (which follows the dictionary size) stays small.
  if (opt.dict_size > in.size()) {
    opt.dict_size = std::max<uint32_t>(static_cast<uint32_t>(in.size()), LZMA_DICT_SIZE_MIN);
  }
  // LZMA2 stores incompressible chunks uncompressed, so the output never
  // exceeds the input by more than a few bytes per 64 KiB chunk.
  size_t bound = in.size() + in.size() / 16 + 4096;
  size_t start = out->size();
  out->resize(start + bound + 4);
  // The dictionary size is needed to decode: keep it in front of the stream.
  uint32_t dict = opt.dict_size;
  for (int i = 0; i < 4; ++i) (*out)[start + i] = static_cast<char>(dict >> (8 * i));
  size_t pos = 0;
  lzma_ret ret = lzma_raw_buffer_encode(filters, nullptr,
                                        reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                                        reinterpret_cast<uint8_t*>(out->data() + start + 4), &pos,
                                        bound);
  if (ret != LZMA_OK) {
    out->resize(start);
    return Status::IOError("LZMA compression failed (code " + std::to_string(ret) + ")");
  }
  out->resize(start + 4 + pos);
  return Status::OK();
}

Status LzmaDecompress(std::string_view in, size_t raw_size, std::string* out) {
  if (in.size() < 4) return Status::Corruption("LZMA block too short");
  uint32_t dict = 0;
  for (int i = 0; i < 4; ++i) dict |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  if (dict < LZMA_DICT_SIZE_MIN || dict > (1u << 30)) {
    return Status::Corruption("LZMA block has an impossible dictionary size");
  }
  lzma_options_lzma opt;
  lzma_filter filters[2];
  MakeFilters(1, &opt, filters);
  opt.dict_size = dict;
  // A damaged length must not make a read allocate a gigabyte up front: past
  // what the input could plausibly expand to, the output grows as it comes.
  const size_t plausible = 256 * in.size() + (1 << 20);
  if (raw_size <= plausible) {
    out->resize(raw_size);
    size_t in_pos = 4, out_pos = 0;
    lzma_ret ret = lzma_raw_buffer_decode(filters, nullptr,
                                          reinterpret_cast<const uint8_t*>(in.data()), &in_pos,
                                          in.size(), reinterpret_cast<uint8_t*>(out->data()),
                                          &out_pos, raw_size);
    if (ret != LZMA_OK && ret != LZMA_STREAM_END) {
      return Status::Corruption("LZMA block does not decode (code " + std::to_string(ret) + ")");
    }
    if (out_pos != raw_size || in_pos != in.size()) {
      return Status::Corruption("LZMA block decodes to the wrong length");
    }
    return Status::OK();
  }
  lzma_stream strm = LZMA_STREAM_INIT;
  if (lzma_raw_decoder(&strm, filters) != LZMA_OK) {
    return Status::IOError("LZMA decoder could not start");
  }
  out->resize(plausible);
  strm.next_in = reinterpret_cast<const uint8_t*>(in.data()) + 4;
  strm.avail_in = in.size() - 4;
  strm.next_out = reinterpret_cast<uint8_t*>(out->data());
  strm.avail_out = out->size();
  lzma_ret ret = LZMA_OK;
  while (ret == LZMA_OK) {
    ret = lzma_code(&strm, LZMA_FINISH);
    // Full but short of raw_size: grow. Full at raw_size: the next call
    // ends the stream, or finds more output than the length and stops with
    // LZMA_BUF_ERROR (no progress).
    if (ret == LZMA_OK && strm.avail_out == 0 && strm.total_out < raw_size) {
      out->resize(std::min(raw_size, 2 * out->size()));
      strm.next_out = reinterpret_cast<uint8_t*>(out->data()) + strm.total_out;
      strm.avail_out = out->size() - strm.total_out;
    }
  }
  const uint64_t produced = strm.total_out;
  const bool consumed = strm.avail_in == 0;
  lzma_end(&strm);
  if (ret != LZMA_STREAM_END) {
    return Status::Corruption("LZMA block does not decode (code " + std::to_string(ret) + ")");
  }
  if (produced != raw_size || !consumed) {
    return Status::Corruption("LZMA block decodes to the wrong length");
  }
  return Status::OK();
}

}  // namespace spirapi
