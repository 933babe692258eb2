// Which records of a segment file this process has checked against their
// SHA-256, so that a block read again from disk after the block cache evicted
// it need not hash them again: its stored bytes pass their CRC-32 (and GCM
// tag) and its decoded bytes zstd's content checksum on every read, which
// proves them the bytes that were hashed. A bit per record, per block, for
// blocks of at most 64 records (larger ones are hashed on every read from
// disk). Thread-safe.

#ifndef SPIRAPI_STORAGE_VERIFIED_RECORDS_H_
#define SPIRAPI_STORAGE_VERIFIED_RECORDS_H_

#include <cstdint>
#include <mutex>

#include <absl/container/flat_hash_map.h>

namespace spirapi {

class VerifiedRecords {
 public:
  static constexpr int kMaxRecordsPerBlock = 64;

  // Bit i: the block's record i (in block order) was checked and matched.
  uint64_t BitsOf(uint64_t block_offset) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = bits_.find(block_offset);
    return it == bits_.end() ? 0 : it->second;
  }
  void Mark(uint64_t block_offset, int record) {
    if (record < 0 || record >= kMaxRecordsPerBlock) return;
    std::lock_guard<std::mutex> l(mu_);
    bits_[block_offset] |= uint64_t{1} << record;
  }

 private:
  mutable std::mutex mu_;
  absl::flat_hash_map<uint64_t, uint64_t> bits_;
};

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_VERIFIED_RECORDS_H_
