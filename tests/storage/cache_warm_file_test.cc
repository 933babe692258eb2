// Tests for storage/cache_warm_file.h: the hot set's file round-trips, and
// any damage makes it decode to nothing.

#include "storage/cache_warm_file.h"

#include <gtest/gtest.h>

namespace spirapi {
namespace {

TEST(CacheWarmFileTest, RoundTrips) {
  std::vector<BlockCache::HotBlock> blocks = {{7, 0, 4096}, {9, 1ull << 40, 17}, {7, 4096, 1}};
  std::vector<BlockCache::HotBlock> back;
  ASSERT_TRUE(DecodeCacheWarmFile(EncodeCacheWarmFile(blocks), &back));
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].file_number, blocks[i].file_number);
    EXPECT_EQ(back[i].offset, blocks[i].offset);
    EXPECT_EQ(back[i].stored_length, blocks[i].stored_length);
  }
  ASSERT_TRUE(DecodeCacheWarmFile(EncodeCacheWarmFile({}), &back));
  EXPECT_TRUE(back.empty());
}

TEST(CacheWarmFileTest, DamageDecodesToNothing) {
  const std::string good = EncodeCacheWarmFile({{7, 0, 4096}, {8, 4096, 100}});
  std::vector<BlockCache::HotBlock> back;
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x10;
    EXPECT_FALSE(DecodeCacheWarmFile(bad, &back)) << "byte " << i;
    EXPECT_TRUE(back.empty());
  }
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeCacheWarmFile(good.substr(0, n), &back)) << "cut at " << n;
  }
  EXPECT_FALSE(DecodeCacheWarmFile(good + "x", &back));
  EXPECT_FALSE(DecodeCacheWarmFile("", &back));
}

}  // namespace
}  // namespace spirapi
