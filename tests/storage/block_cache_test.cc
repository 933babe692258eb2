// Tests for storage/block_cache.h: hit and miss counting, S3-FIFO's order
// (probation, promotion, ghost keys, rounds in main), scan resistance against
// plain LRU, the byte bound, dropping a deleted file's blocks, the hot set a
// warm file records, and concurrent use.

#include "storage/block_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace spirapi {
namespace {

using Policy = BlockCachePolicy;

// The only places that know the cached type: adapt here if it changes.
BlockCache::Block MakeBlock(size_t size, char fill = 'x', uint32_t stored_length = 0) {
  return std::make_shared<CachedBlock>(std::string(size, fill), nullptr, 0, stored_length);
}
size_t BlockSize(const BlockCache::Block& block) { return block->raw().size(); }
// A budget of exactly n blocks of `size` bytes.
size_t BudgetOf(size_t n, size_t size) { return n * MakeBlock(size)->Charge(); }

// What a reader does: look up, and insert on a miss. True on a hit.
bool Read(BlockCache& cache, uint64_t file, uint64_t offset, size_t size = 4000) {
  if (cache.Lookup(file, offset) != nullptr) return true;
  cache.Insert(file, offset, MakeBlock(size));
  return false;
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
  EXPECT_TRUE(cache.Contains(1, 0));
  EXPECT_FALSE(cache.Contains(1, 1));
  EXPECT_EQ(cache.hits() + cache.misses(), 3u) << "Contains counts nothing";

  // File and offset both identify the block.
  EXPECT_EQ(cache.Lookup(2, 0), nullptr);
  EXPECT_EQ(cache.Lookup(1, 100), nullptr);
  EXPECT_EQ(cache.misses(), 3u);
  EXPECT_EQ(cache.hits(), 2u);
}

TEST(BlockCacheTest, ManyBlocksUnderBudgetAllStay) {
  for (Policy policy : {Policy::kScanResistant, Policy::kLru}) {
    BlockCache cache(16 << 20, policy);
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
    EXPECT_EQ(cache.usage_bytes(), 200 * MakeBlock(1000)->Charge());
    EXPECT_EQ(cache.capacity_bytes(), size_t{16} << 20);
  }
}

// One shard, ten blocks: the small FIFO is one block's worth.
TEST(BlockCacheTest, BlocksHitOnProbationArePromotedTheOthersLeaveFirst) {
  BlockCache cache(BudgetOf(10, 1000), Policy::kScanResistant, 1);
  for (uint64_t i = 0; i < 10; ++i) cache.Insert(1, i, MakeBlock(1000));
  for (uint64_t i = 0; i < 5; ++i) ASSERT_NE(cache.Lookup(1, i), nullptr);
  // Twenty new blocks, none hit: each displaces the oldest block not hit,
  // while the five hit blocks move to the main FIFO.
  for (uint64_t i = 100; i < 120; ++i) cache.Insert(1, i, MakeBlock(1000));
  for (uint64_t i = 0; i < 5; ++i) EXPECT_TRUE(cache.Contains(1, i)) << i;
  for (uint64_t i = 5; i < 10; ++i) EXPECT_FALSE(cache.Contains(1, i)) << i;
  for (uint64_t i = 115; i < 120; ++i) EXPECT_TRUE(cache.Contains(1, i)) << i;
  EXPECT_LE(cache.usage_bytes(), cache.capacity_bytes());
}

TEST(BlockCacheTest, ABlockWantedAgainSoonAfterEvictionEntersMain) {
  BlockCache cache(BudgetOf(10, 1000), Policy::kScanResistant, 1);
  cache.Insert(1, 0, MakeBlock(1000));
  for (uint64_t i = 1; i <= 10; ++i) cache.Insert(1, i, MakeBlock(1000));
  ASSERT_FALSE(cache.Contains(1, 0)) << "evicted from probation, never hit";
  cache.Insert(1, 0, MakeBlock(1000));  // its key is remembered: main
  for (uint64_t i = 100; i < 130; ++i) cache.Insert(1, i, MakeBlock(1000));
  EXPECT_TRUE(cache.Contains(1, 0)) << "new one-hit blocks displace each other, not main";
}

TEST(BlockCacheTest, MainEvictsInFifoOrderButHitsBuyARound) {
  BlockCache cache(BudgetOf(10, 1000), Policy::kScanResistant, 1);
  for (uint64_t i = 0; i < 10; ++i) cache.Insert(1, i, MakeBlock(1000), /*hot=*/true);
  ASSERT_NE(cache.Lookup(1, 0), nullptr);
  cache.Insert(1, 50, MakeBlock(1000));  // probation holds less than its share: main gives way
  EXPECT_TRUE(cache.Contains(1, 0)) << "the oldest, but hit: another round";
  EXPECT_FALSE(cache.Contains(1, 1)) << "the oldest not hit";
  EXPECT_TRUE(cache.Contains(1, 2));
  EXPECT_TRUE(cache.Contains(1, 50));
}

TEST(BlockCacheTest, LruEvictsTheLeastRecentlyUsed) {
  BlockCache cache(BudgetOf(3, 1000), Policy::kLru, 1);
  cache.Insert(1, 0, MakeBlock(1000));
  cache.Insert(1, 1, MakeBlock(1000));
  cache.Insert(1, 2, MakeBlock(1000));
  ASSERT_NE(cache.Lookup(1, 0), nullptr);
  cache.Insert(1, 3, MakeBlock(1000));
  EXPECT_TRUE(cache.Contains(1, 0));
  EXPECT_FALSE(cache.Contains(1, 1));
  EXPECT_TRUE(cache.Contains(1, 2));
  EXPECT_TRUE(cache.Contains(1, 3));
}

// The property the policy is for: a scan of many blocks, each read once,
// does not flush a hot set read again and again; with LRU it does.
TEST(BlockCacheTest, AScanDoesNotEvictTheHotSetButDoesUnderLru) {
  constexpr uint64_t kHot = 200;    // ~0.85 MB of a 4 MiB cache
  constexpr uint64_t kScan = 5000;  // ~20 MB, each block once
  for (Policy policy : {Policy::kScanResistant, Policy::kLru}) {
    BlockCache cache(4 << 20, policy);
    for (int round = 0; round < 3; ++round) {
      for (uint64_t i = 0; i < kHot; ++i) Read(cache, 1, i * 4096);
    }
    for (uint64_t i = 0; i < kScan; ++i) {
      Read(cache, 2, i * 4096);
      // The hot set is still read meanwhile, a little.
      if (i % 50 == 0) Read(cache, 1, (i / 50) % kHot * 4096);
    }
    uint64_t hot_present = 0;
    for (uint64_t i = 0; i < kHot; ++i) hot_present += cache.Contains(1, i * 4096);
    if (policy == Policy::kScanResistant) {
      EXPECT_EQ(hot_present, kHot);
    } else {
      EXPECT_LT(hot_present, kHot / 2) << "LRU: the scan flushed most of the hot set";
    }
    EXPECT_LE(cache.usage_bytes(), cache.capacity_bytes());
  }
}

TEST(BlockCacheTest, UsageStaysWithinTheCapacity) {
  std::mt19937_64 rng(7);
  for (Policy policy : {Policy::kScanResistant, Policy::kLru}) {
    const size_t budget = 2 << 20;
    BlockCache cache(budget, policy);
    for (int i = 0; i < 20000; ++i) {
      const uint64_t file = rng() % 8;
      const uint64_t off = rng() % 400;
      if (rng() % 3 == 0) {
        cache.Lookup(file, off);
      } else {
        cache.Insert(file, off, MakeBlock(1000 + rng() % 30000));
      }
      if (i % 5000 == 4999) cache.EraseFile(rng() % 8);
      ASSERT_LE(cache.usage_bytes(), budget) << i;
    }
    EXPECT_GT(cache.usage_bytes(), budget / 2);
    for (uint64_t file = 0; file < 8; ++file) cache.EraseFile(file);
    EXPECT_EQ(cache.usage_bytes(), 0u) << "the charges add up";
  }
}

TEST(BlockCacheTest, ABlockLargerThanAShardIsNotCached) {
  BlockCache cache(BudgetOf(2, 1000), Policy::kScanResistant, 1);
  cache.Insert(1, 0, MakeBlock(1000));
  cache.Insert(1, 1, MakeBlock(5000));
  EXPECT_FALSE(cache.Contains(1, 1));
  EXPECT_TRUE(cache.Contains(1, 0)) << "and it evicts nothing";
}

TEST(BlockCacheTest, EvictedBlockStaysValidForItsHolder) {
  BlockCache cache(BudgetOf(1, 1000), Policy::kScanResistant, 1);
  cache.Insert(3, 0, MakeBlock(1000, 'h'));
  BlockCache::Block held = cache.Lookup(3, 0);
  cache.Insert(3, 1, MakeBlock(1000));  // evicts the held block
  EXPECT_FALSE(cache.Contains(3, 0));
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->raw(), std::string(1000, 'h'));
}

TEST(BlockCacheTest, ZeroCapacityCachesNothing) {
  BlockCache cache(0);
  cache.Insert(1, 0, MakeBlock(1));
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.usage_bytes(), 0u);
}

TEST(BlockCacheTest, EraseFileDropsOnlyThatFile) {
  for (Policy policy : {Policy::kScanResistant, Policy::kLru}) {
    BlockCache cache(16 << 20, policy);
    for (uint64_t off = 0; off < 40; ++off) {
      cache.Insert(1, off * 4096, MakeBlock(100));
      cache.Insert(2, off * 4096, MakeBlock(100));
    }
    const size_t before = cache.usage_bytes();
    cache.EraseFile(1);
    EXPECT_EQ(cache.usage_bytes(), before / 2);
    for (uint64_t off = 0; off < 40; ++off) {
      EXPECT_EQ(cache.Lookup(1, off * 4096), nullptr) << off;
      EXPECT_NE(cache.Lookup(2, off * 4096), nullptr) << off;
    }
    cache.EraseFile(99);  // unknown files are fine
    EXPECT_NE(cache.Lookup(2, 0), nullptr);

    // The same key can be cached again, and is then found.
    cache.Insert(1, 0, MakeBlock(5, 'n'));
    BlockCache::Block b = cache.Lookup(1, 0);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->raw(), "nnnnn");
  }
}

TEST(BlockCacheTest, EraseFileReleasesItsBudget) {
  BlockCache cache(BudgetOf(2, 1000), Policy::kScanResistant, 1);
  cache.Insert(5, 0, MakeBlock(1000));
  cache.Insert(5, 1, MakeBlock(1000));
  cache.EraseFile(5);
  cache.Insert(6, 0, MakeBlock(1000));
  cache.Insert(6, 1, MakeBlock(1000));  // both fit again
  EXPECT_TRUE(cache.Contains(6, 0));
  EXPECT_TRUE(cache.Contains(6, 1));
}

TEST(BlockCacheTest, HotBlocksAreMainsAndHitOnesHottestFirst) {
  BlockCache cache(BudgetOf(10, 1000), Policy::kScanResistant, 1);
  cache.Insert(1, 0, MakeBlock(1000, 'x', 500), /*hot=*/true);  // main, no hits
  cache.Insert(1, 1, MakeBlock(1000, 'x', 501));                // probation, no hits
  cache.Insert(1, 2, MakeBlock(1000, 'x', 502));                // probation, 2 hits
  cache.Insert(1, 3, MakeBlock(1000, 'x', 0));                  // length unknown
  cache.Insert(1, 4, MakeBlock(1000, 'x', 504), /*hot=*/true);  // main, 1 hit
  cache.Lookup(1, 2);
  cache.Lookup(1, 2);
  cache.Lookup(1, 3);
  cache.Lookup(1, 4);
  std::vector<BlockCache::HotBlock> hot = cache.HotBlocks();
  ASSERT_EQ(hot.size(), 3u);
  EXPECT_EQ(hot[0].offset, 4u);
  EXPECT_EQ(hot[0].stored_length, 504u);
  EXPECT_EQ(hot[1].offset, 0u);
  EXPECT_EQ(hot[2].offset, 2u);
  EXPECT_EQ(hot[2].file_number, 1u);

  BlockCache lru(BudgetOf(10, 1000), Policy::kLru, 1);
  for (uint64_t i = 0; i < 3; ++i) lru.Insert(1, i, MakeBlock(1000, 'x', 100));
  lru.Lookup(1, 0);
  hot = lru.HotBlocks();
  ASSERT_EQ(hot.size(), 3u);
  EXPECT_EQ(hot[0].offset, 0u) << "LRU: most recent first";
  EXPECT_EQ(hot[1].offset, 2u);
  EXPECT_EQ(hot[2].offset, 1u);
}

TEST(BlockCacheTest, CachedBlockKeepsACheckPerRecord) {
  // Two records, "abc" and "de", each after its u32 length.
  std::string raw(
      "\x03\x00\x00\x00"
      "abc"
      "\x02\x00\x00\x00"
      "de",
      13);
  CachedBlock block(raw, nullptr, 0, 77);
  EXPECT_EQ(block.stored_length(), 77u);
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
  CachedBlock cut(
      std::string("\x03\x00\x00\x00"
                  "abc"
                  "\x09\x00\x00\x00"
                  "de",
                  13));
  EXPECT_NE(cut.CheckOf(4), nullptr);
  EXPECT_EQ(cut.CheckOf(11), nullptr);
  EXPECT_GE(block.Charge(), raw.size());
}

TEST(BlockCacheTest, ConcurrentUseIsSafe) {
  // For the shard locks and the hit counts (most useful under TSan).
  for (Policy policy : {Policy::kScanResistant, Policy::kLru}) {
    BlockCache cache(256 * 1024, policy);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&cache, t] {
        for (uint64_t i = 0; i < 3000; ++i) {
          const uint64_t file = (i + t) % 5;
          cache.Insert(file, i % 97 * 4096, MakeBlock(2000, 'x', 100));
          BlockCache::Block b = cache.Lookup(file, (i * 7) % 97 * 4096);
          if (b != nullptr) {
            EXPECT_EQ(BlockSize(b), 2000u);
          }
          if (i % 500 == 0) cache.EraseFile(file);
          if (t == 0 && i % 300 == 0) EXPECT_LE(cache.HotBlocks().size(), 97u * 5u);
        }
      });
    }
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(cache.hits() + cache.misses(), 4u * 3000u);
    EXPECT_LE(cache.usage_bytes(), cache.capacity_bytes());
  }
}

}  // namespace
}  // namespace spirapi
