// A sharded cache of decoded (decrypted, decompressed) segment blocks, bounded
// in bytes, evicting by CLOCK (second chance): a hit only sets a flag, so
// lookups share a reader lock and move no list nodes. Thread-safe.
//
// A record is checked against its SHA-256 the first time it is read; the
// result stays with the cached block, so later reads need not hash it again
// (the bytes in memory are the verified ones), and a miss hashes the one
// record it wants, not the whole block. A block whose decoded bytes passed a
// content checksum also records the result in its file's VerifiedRecords,
// which outlives the block's stay in the cache.

#ifndef SPIRAPI_STORAGE_BLOCK_CACHE_H_
#define SPIRAPI_STORAGE_BLOCK_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "storage/verified_records.h"

namespace spirapi {

class CachedBlock {
 public:
  enum Check : uint8_t { kUnchecked = 0, kGood = 1, kDamaged = 2 };

  // Takes the decoded block: records as len u32 | bytes. `verified`, if
  // given, is its file's memory of checked records (only for blocks whose
  // decoded bytes passed a content checksum); its bits for this block start
  // the records' slots as kGood.
  explicit CachedBlock(std::string raw, std::shared_ptr<VerifiedRecords> verified = nullptr,
                       uint64_t block_offset = 0);

  const std::string& raw() const { return raw_; }
  // The check slot of the record whose bytes start at inner_offset, or
  // nullptr if no record of the block starts there.
  std::atomic<uint8_t>* CheckOf(uint32_t inner_offset) const;
  // Stores the result of checking the record of `slot` (from CheckOf), also
  // in the file's VerifiedRecords when it matched.
  void SetCheck(std::atomic<uint8_t>* slot, bool good) const;
  // Bytes of memory held, as the cache charges them.
  size_t Charge() const;

  // CLOCK's flag: set on every hit, cleared by a sweep. Kept here, in memory
  // the hit touches anyway, so the cache's table can be flat.
  mutable std::atomic<bool> referenced{false};

 private:
  std::string raw_;
  std::vector<uint32_t> offsets_;  // of each record's bytes, ascending
  std::unique_ptr<std::atomic<uint8_t>[]> checks_;
  std::shared_ptr<VerifiedRecords> verified_;
  uint64_t block_offset_;
};

class BlockCache {
 public:
  using Block = std::shared_ptr<const CachedBlock>;

  explicit BlockCache(size_t capacity_bytes);

  // The cached block, or nullptr.
  Block Lookup(uint64_t file_number, uint64_t offset);
  void Insert(uint64_t file_number, uint64_t offset, Block block);
  // Drops every block of a file (after the file is deleted).
  void EraseFile(uint64_t file_number);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kShards = 16;
  struct Key {
    uint64_t file;
    uint64_t offset;
    bool operator==(const Key& o) const { return file == o.file && offset == o.offset; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.file * 0x9E3779B97F4A7C15ull ^ k.offset);
    }
  };
  struct Shard {
    std::shared_mutex mu;
    absl::flat_hash_map<Key, Block, KeyHash> map;
    size_t bytes = 0;
  };
  // Evicts until the shard fits, never `keep` (the block just inserted).
  // REQUIRES: shard.mu held exclusively.
  void Evict(Shard& shard, const Key& keep);

  Shard& ShardFor(const Key& k) { return shards_[KeyHash()(k) % kShards]; }

  size_t shard_capacity_;
  Shard shards_[kShards];
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_BLOCK_CACHE_H_
