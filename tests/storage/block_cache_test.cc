// Tests for storage/block_cache.h: hit and miss counting, eviction within the
// byte budget (CLOCK: a recently used block gets a second chance), and
// dropping a deleted file's blocks.

#include "storage/block_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace spirapi {
namespace {

// The only places that know the cached type: adapt here if it changes.
BlockCache::Block MakeBlock(size_t size, char fill = 'x') {
  return std::make_shared<CachedBlock>(std::string(size, fill));
}
size_t BlockSize(const BlockCache::Block& block) { return block->raw().size(); }

// The cache is sharded by key, and each shard has an equal part of the byte
// budget, so eviction order is only defined among keys of one shard. This
// finds `n` offsets (of file `file`) that share a shard, by observation: with
// a budget of 100 KB per shard, a second 60 KB block in the same shard
// evicts the first.
constexpr size_t kShardsAssumed = 16;
constexpr size_t kPerShard = 100'000;

std::vector<uint64_t> SameShardOffsets(uint64_t file, size_t n) {
  std::vector<uint64_t> found = {0};
  for (uint64_t offset = 4096; found.size() < n && offset < 4096 * 10000; offset += 4096) {
    BlockCache probe(kShardsAssumed * kPerShard);
    probe.Insert(file, found[0], MakeBlock(60'000));
    probe.Insert(file, offset, MakeBlock(60'000));
    if (probe.Lookup(file, found[0]) == nullptr) found.push_back(offset);
  }
  EXPECT_EQ(found.size(), n) << "no keys sharing a shard found: has the sharding changed?";
  return found;
}

TEST(BlockCacheTest, CountsHitsAndMisses) {
  BlockCache cache(1 << 20);
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 0u);

  BlockCache::Block block = MakeBlock(100, 'a');
  cache.Insert(1, 0, block);
  EXPECT_EQ(cache.Lookup(1, 0), block) << "the same shared block comes back";
  EXPECT_EQ(cache.Lookup(1, 0), block);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 1u);

  // File and offset both identify the block.
  EXPECT_EQ(cache.Lookup(2, 0), nullptr);
  EXPECT_EQ(cache.Lookup(1, 100), nullptr);
  EXPECT_EQ(cache.misses(), 3u);
  EXPECT_EQ(cache.hits(), 2u);
}

TEST(BlockCacheTest, ManyBlocksUnderBudgetAllStay) {
  BlockCache cache(16 << 20);
  for (uint64_t file = 1; file <= 4; ++file) {
    for (uint64_t off = 0; off < 50; ++off) cache.Insert(file, off * 4096, MakeBlock(1000));
  }
  for (uint64_t file = 1; file <= 4; ++file) {
    for (uint64_t off = 0; off < 50; ++off) {
      BlockCache::Block b = cache.Lookup(file, off * 4096);
      ASSERT_NE(b, nullptr) << file << "/" << off;
      EXPECT_EQ(BlockSize(b), 1000u);
    }
  }
  EXPECT_EQ(cache.hits(), 200u);
  EXPECT_EQ(cache.misses(), 0u);
}

// CLOCK: a block hit since the last sweep gets a second chance; one that was
// not is evicted first; the block being inserted is never the victim.
TEST(BlockCacheTest, EvictsBlocksNotUsedSinceTheLastSweep) {
  const std::vector<uint64_t> offs = SameShardOffsets(7, 3);
  ASSERT_EQ(offs.size(), 3u);
  BlockCache cache(kShardsAssumed * kPerShard);
  cache.Insert(7, offs[0], MakeBlock(40'000));
  cache.Insert(7, offs[1], MakeBlock(40'000));  // 80 of 100 KB
  // Touch the older block: the other one has not been used since insertion.
  ASSERT_NE(cache.Lookup(7, offs[0]), nullptr);
  cache.Insert(7, offs[2], MakeBlock(40'000));  // 120 > 100 KB: one must go
  EXPECT_NE(cache.Lookup(7, offs[0]), nullptr);
  EXPECT_EQ(cache.Lookup(7, offs[1]), nullptr) << "the block not used since insertion is evicted";
  EXPECT_NE(cache.Lookup(7, offs[2]), nullptr);
}

TEST(BlockCacheTest, RecentUseIsOnlyASecondChance) {
  // Once every block has been used, the budget still holds: a used block is
  // spared one sweep, not forever.
  const std::vector<uint64_t> offs = SameShardOffsets(7, 4);
  ASSERT_EQ(offs.size(), 4u);
  BlockCache cache(kShardsAssumed * kPerShard);
  cache.Insert(7, offs[0], MakeBlock(40'000));
  cache.Insert(7, offs[1], MakeBlock(40'000));
  ASSERT_NE(cache.Lookup(7, offs[0]), nullptr);
  ASSERT_NE(cache.Lookup(7, offs[1]), nullptr);
  cache.Insert(7, offs[2], MakeBlock(40'000));
  cache.Insert(7, offs[3], MakeBlock(40'000));
  size_t present = 0;
  for (uint64_t off : offs) present += cache.Lookup(7, off) != nullptr;
  EXPECT_EQ(present, 2u) << "100 KB hold two 40 KB blocks";
  EXPECT_NE(cache.Lookup(7, offs[3]), nullptr) << "the block just inserted is kept";
}

TEST(BlockCacheTest, TotalSizeStaysWithinBudget) {
  const size_t budget = kShardsAssumed * kPerShard;
  BlockCache cache(budget);
  std::vector<std::pair<uint64_t, uint64_t>> keys;
  for (uint64_t file = 1; file <= 20; ++file) {
    for (uint64_t off = 0; off < 20; ++off) {
      cache.Insert(file, off * 512, MakeBlock(30'000));
      keys.push_back({file, off * 512});
    }
  }
  size_t cached_bytes = 0;
  for (const auto& [file, off] : keys) {
    BlockCache::Block b = cache.Lookup(file, off);
    if (b != nullptr) cached_bytes += BlockSize(b);
  }
  EXPECT_LE(cached_bytes, budget);
  EXPECT_GT(cached_bytes, 0u);
  // The block inserted last is always there.
  EXPECT_NE(cache.Lookup(20, 19 * 512), nullptr);
}

TEST(BlockCacheTest, EvictedBlockStaysValidForItsHolder) {
  const std::vector<uint64_t> offs = SameShardOffsets(3, 2);
  ASSERT_EQ(offs.size(), 2u);
  BlockCache cache(kShardsAssumed * kPerShard);
  cache.Insert(3, offs[0], MakeBlock(60'000, 'h'));
  BlockCache::Block held = cache.Lookup(3, offs[0]);
  cache.Insert(3, offs[1], MakeBlock(60'000));  // evicts the held block
  EXPECT_EQ(cache.Lookup(3, offs[0]), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->raw(), std::string(60'000, 'h'));
}

TEST(BlockCacheTest, ZeroCapacityCachesNothing) {
  BlockCache cache(0);
  cache.Insert(1, 0, MakeBlock(1));
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST(BlockCacheTest, EraseFileDropsOnlyThatFile) {
  BlockCache cache(16 << 20);
  for (uint64_t off = 0; off < 40; ++off) {
    cache.Insert(1, off * 4096, MakeBlock(100));
    cache.Insert(2, off * 4096, MakeBlock(100));
  }
  cache.EraseFile(1);
  for (uint64_t off = 0; off < 40; ++off) {
    EXPECT_EQ(cache.Lookup(1, off * 4096), nullptr) << off;
    EXPECT_NE(cache.Lookup(2, off * 4096), nullptr) << off;
  }
  cache.EraseFile(99);  // unknown files are fine
  EXPECT_NE(cache.Lookup(2, 0), nullptr);

  // A file number reused after deletion starts empty and can be cached again.
  cache.Insert(1, 0, MakeBlock(5, 'n'));
  BlockCache::Block b = cache.Lookup(1, 0);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->raw(), "nnnnn");
}

TEST(BlockCacheTest, EraseFileReleasesItsBudget) {
  // After EraseFile the shard's byte count must drop, or later inserts would
  // evict more than they need to.
  const std::vector<uint64_t> offs = SameShardOffsets(5, 2);
  ASSERT_EQ(offs.size(), 2u);
  BlockCache cache(kShardsAssumed * kPerShard);
  cache.Insert(5, offs[0], MakeBlock(90'000));
  cache.EraseFile(5);
  cache.Insert(5, offs[0], MakeBlock(45'000));
  cache.Insert(5, offs[1], MakeBlock(45'000));  // 90 of 100 KB: both fit
  EXPECT_NE(cache.Lookup(5, offs[0]), nullptr);
  EXPECT_NE(cache.Lookup(5, offs[1]), nullptr);
}

TEST(BlockCacheTest, CachedBlockKeepsACheckPerRecord) {
  // Two records, "abc" and "de", each after its u32 length.
  std::string raw("\x03\x00\x00\x00" "abc" "\x02\x00\x00\x00" "de", 13);
  CachedBlock block(raw);
  std::atomic<uint8_t>* first = block.CheckOf(4);
  std::atomic<uint8_t>* second = block.CheckOf(11);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second);
  EXPECT_EQ(first->load(), CachedBlock::kUnchecked);
  first->store(CachedBlock::kDamaged);
  EXPECT_EQ(block.CheckOf(4)->load(), CachedBlock::kDamaged);
  EXPECT_EQ(second->load(), CachedBlock::kUnchecked);
  // No record starts anywhere else: an index entry pointing there is wrong.
  for (uint32_t off : {0u, 3u, 5u, 7u, 10u, 12u, 13u, 100u}) {
    EXPECT_EQ(block.CheckOf(off), nullptr) << off;
  }
  // A length running past the end ends the layout.
  CachedBlock cut(std::string("\x03\x00\x00\x00" "abc" "\x09\x00\x00\x00" "de", 13));
  EXPECT_NE(cut.CheckOf(4), nullptr);
  EXPECT_EQ(cut.CheckOf(11), nullptr);
  EXPECT_GE(block.Charge(), raw.size());
}

TEST(BlockCacheTest, ConcurrentUseIsSafe) {
  // A smoke test for the shard locks (most useful under ThreadSanitizer).
  BlockCache cache(64 * 1024);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (uint64_t i = 0; i < 2000; ++i) {
        const uint64_t file = (i + t) % 5;
        cache.Insert(file, i % 97 * 4096, MakeBlock(256));
        BlockCache::Block b = cache.Lookup(file, (i * 7) % 97 * 4096);
        if (b != nullptr) {
          EXPECT_EQ(BlockSize(b), 256u);
        }
        if (i % 500 == 0) cache.EraseFile(file);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(cache.hits() + cache.misses(), 4u * 2000u);
}

}  // namespace
}  // namespace spirapi
