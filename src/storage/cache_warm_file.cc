#include "storage/cache_warm_file.h"

#include "util/coding.h"
#include "util/hash.h"

namespace spirapi {
namespace {

constexpr char kMagic[] = "SPWARM01";  // 8 bytes; the digits are the version
constexpr size_t kMagicSize = 8;
constexpr size_t kEntrySize = 16;  // file u32 | stored length u32 | offset u64

}  // namespace

std::string EncodeCacheWarmFile(const std::vector<BlockCache::HotBlock>& blocks) {
  std::string out(kMagic, kMagicSize);
  PutFixed64(&out, blocks.size());
  for (const BlockCache::HotBlock& b : blocks) {
    PutFixed32(&out, static_cast<uint32_t>(b.file_number));
    PutFixed32(&out, b.stored_length);
    PutFixed64(&out, b.offset);
  }
  PutFixed32(&out, Crc32(out));
  return out;
}

bool DecodeCacheWarmFile(std::string_view data, std::vector<BlockCache::HotBlock>* blocks) {
  blocks->clear();
  if (data.size() < kMagicSize + 8 + 4 || data.substr(0, kMagicSize) != kMagic) return false;
  const uint64_t count = DecodeFixed64(data.data() + kMagicSize);
  const size_t body = data.size() - kMagicSize - 8 - 4;
  if (body % kEntrySize != 0 || count != body / kEntrySize) return false;
  const std::string_view covered = data.substr(0, data.size() - 4);
  if (Crc32(covered) != DecodeFixed32(data.data() + covered.size())) return false;
  blocks->reserve(count);
  const char* p = data.data() + kMagicSize + 8;
  for (uint64_t i = 0; i < count; ++i, p += kEntrySize) {
    blocks->push_back({DecodeFixed32(p), DecodeFixed64(p + 8), DecodeFixed32(p + 4)});
  }
  return true;
}

}  // namespace spirapi
