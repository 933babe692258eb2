// A sharded cache of decoded (decrypted, decompressed) segment blocks, bounded
// in bytes. Thread-safe.
//
// Eviction (kScanResistant) is S3-FIFO (Yang et al., SOSP 2023): a new block
// enters a small FIFO (10% of the bytes); one hit there before it reaches the
// end promotes it to the main FIFO, otherwise it leaves and its key is
// remembered in a ghost FIFO, so that a block read again soon enters main
// directly. Main gives a block with hits another round (a 2-bit count,
// decremented per round). A full scan's blocks, each read once, pass
// through the small FIFO only and never displace the main part, which is
// what a hot set lives in. Chosen over W-TinyLFU and 2Q because a hit is an
// atomic increment in the block under a shared lock (no list to reorder, no
// sketch to update), and over CLOCK (this cache's former policy) because
// CLOCK lets one scan flush everything not hit during the scan.
//
// kLru, least recently used, is kept for comparison (bench/cache_bench.cc):
// its hits reorder, so they take the shard's lock exclusively.
//
// A record is checked against its SHA-256 the first time it is read; the
// result stays with the cached block, so later reads need not hash it again
// (the bytes in memory are the verified ones), and a miss hashes the one
// record it wants, not the whole block. A block whose decoded bytes passed a
// content checksum also records the result in its file's VerifiedRecords,
// which outlives the block's stay in the cache.

#ifndef SPIRAPI_STORAGE_BLOCK_CACHE_H_
#define SPIRAPI_STORAGE_BLOCK_CACHE_H_

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "storage/verified_records.h"

namespace spirapi {

class CachedBlock {
 public:
  enum Check : uint8_t { kUnchecked = 0, kGood = 1, kDamaged = 2 };

  // Takes the decoded block: records as len u32 | bytes. `verified`, if
  // given, is its file's memory of checked records (only for blocks whose
  // decoded bytes passed a content checksum); its bits for this block start
  // the records' slots as kGood. `stored_length`: the block's bytes on disk
  // (what a cache warmer must read to load it again; 0 if unknown).
  explicit CachedBlock(std::string raw, std::shared_ptr<VerifiedRecords> verified = nullptr,
                       uint64_t block_offset = 0, uint32_t stored_length = 0);

  const std::string& raw() const { return raw_; }
  uint32_t stored_length() const { return stored_length_; }
  // The check slot of the record whose bytes start at inner_offset, or
  // nullptr if no record of the block starts there.
  std::atomic<uint8_t>* CheckOf(uint32_t inner_offset) const;
  // Stores the result of checking the record of `slot` (from CheckOf), also
  // in the file's VerifiedRecords when it matched.
  void SetCheck(std::atomic<uint8_t>* slot, bool good) const;
  // Bytes of memory held, as the cache charges them.
  size_t Charge() const;

  // S3-FIFO's hit count (0..3): incremented by a hit, decremented by a round
  // in the main FIFO. Kept here, in memory the hit touches anyway, so that a
  // hit writes nothing of the cache's own.
  mutable std::atomic<uint8_t> freq{0};

 private:
  std::string raw_;
  std::vector<uint32_t> offsets_;  // of each record's bytes, ascending
  std::unique_ptr<std::atomic<uint8_t>[]> checks_;
  std::shared_ptr<VerifiedRecords> verified_;
  uint64_t block_offset_;
  uint32_t stored_length_;
};

enum class BlockCachePolicy { kScanResistant, kLru };

// The policy of the caches databases create (kScanResistant unless set).
// For bench/cache_bench.cc, which compares the two: not a user setting, as
// LRU loses to S3-FIFO under scans and gained nothing without them there
// (docs/BENCHMARKS.md, "Block cache: scans and restarts").
BlockCachePolicy DefaultBlockCachePolicy();
void SetDefaultBlockCachePolicy(BlockCachePolicy policy);

class BlockCache {
 public:
  using Block = std::shared_ptr<const CachedBlock>;

  // `shards`: 0 picks a count from the capacity (fewer for small caches, so
  // that each shard holds many blocks); tests pass 1 for a defined order.
  explicit BlockCache(size_t capacity_bytes,
                      BlockCachePolicy policy = BlockCachePolicy::kScanResistant, int shards = 0);

  // The cached block, or nullptr. Counts a hit or a miss.
  Block Lookup(uint64_t file_number, uint64_t offset);
  // Whether the block is cached, counting nothing and changing no order.
  bool Contains(uint64_t file_number, uint64_t offset);
  // Caches the block unless it is there already or larger than a shard's
  // share of the capacity. `hot`: it was hot before (a warmed block), so
  // S3-FIFO puts it in the main FIFO at once.
  void Insert(uint64_t file_number, uint64_t offset, Block block, bool hot = false);
  // Drops every block of a file (after the file is deleted).
  void EraseFile(uint64_t file_number);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  // Bytes charged by the blocks cached now, and the bound.
  size_t usage_bytes() const { return usage_.load(std::memory_order_relaxed); }
  size_t capacity_bytes() const { return capacity_; }
  BlockCachePolicy policy() const { return policy_; }

  struct HotBlock {
    uint64_t file_number;
    uint64_t offset;
    uint32_t stored_length;
  };
  // The blocks worth loading again after a restart, hottest first, at most
  // capacity_bytes() of them: S3-FIFO's main part and the small FIFO's
  // blocks with hits (by hit count, then most recent first); for kLru, all,
  // most recent first. Blocks of unknown stored length are left out.
  std::vector<HotBlock> HotBlocks();

 private:
  struct Key {
    uint64_t file;
    uint64_t offset;
    bool operator==(const Key& o) const { return file == o.file && offset == o.offset; }
  };
  struct KeyHash {
    // Mixed (murmur3's finalizer): shards are picked by the low bits, and
    // block offsets may all be multiples of a power of two.
    size_t operator()(const Key& k) const {
      uint64_t h = k.file * 0x9E3779B97F4A7C15ull ^ k.offset;
      h ^= h >> 33;
      h *= 0xFF51AFD7ED558CCDull;
      h ^= h >> 33;
      h *= 0xC4CEB9FE1A85EC53ull;
      return static_cast<size_t>(h ^ (h >> 33));
    }
  };
  struct Entry {
    Block block;
    size_t charge = 0;
    uint64_t stamp = 0;  // of its current place in a FIFO; older places are stale
    bool in_main = false;
  };
  // A place in a FIFO. Entries are not unlinked when they move or leave:
  // their old places go stale (another stamp, or no entry), and are skipped
  // when they reach the front.
  struct Slot {
    Key key;
    uint64_t stamp;
  };
  struct Shard {
    std::shared_mutex mu;
    absl::flat_hash_map<Key, Entry, KeyHash> map;
    std::deque<Slot> small;  // S3-FIFO's probation FIFO; back = newest
    std::deque<Slot> main;   // S3-FIFO's main FIFO, or the LRU order
    size_t small_bytes = 0;
    size_t main_bytes = 0;
    size_t bytes = 0;
    // Keys recently evicted from `small` without a hit (hashes only).
    std::deque<uint64_t> ghost_fifo;
    absl::flat_hash_map<uint64_t, uint32_t> ghost;
  };
  // REQUIRES: shard.mu held exclusively (for all below).
  void Place(Shard& shard, const Key& k, Entry& e, bool main);
  // Pops `fifo`'s front until a live place, into *s: its entry, or nullptr.
  Entry* PopLive(Shard& shard, std::deque<Slot>& fifo, Slot* s);
  void Evict(Shard& shard, const Key& keep);
  bool EvictSmall(Shard& shard, const Key& keep);
  bool EvictMain(Shard& shard, const Key& keep);
  void Remove(Shard& shard, const Key& k);
  void RememberGhost(Shard& shard, uint64_t h);
  void DropStaleSlots(Shard& shard);

  Shard& ShardFor(const Key& k) { return shards_[KeyHash()(k) % num_shards_]; }

  const size_t capacity_;
  const BlockCachePolicy policy_;
  size_t num_shards_;
  std::unique_ptr<Shard[]> shards_;
  size_t shard_capacity_;
  std::atomic<uint64_t> next_stamp_{1};
  std::atomic<size_t> usage_{0};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace spirapi

#endif  // SPIRAPI_STORAGE_BLOCK_CACHE_H_
