// Reads' accounting: the block cache counters that DbStats reports.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "spirapi/db.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

using test::TempDir;

struct CacheCounts {
  uint64_t hits = 0;
  uint64_t misses = 0;
};

CacheCounts Counts(DB* db) {
  DbStats st;
  Status s = db->GetStats(&st);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return {st.block_cache_hits, st.block_cache_misses};
}

// A Get looked the block up once before the read and again inside it, so
// every miss was counted twice.
TEST(DbReadTest, GetCountsEachBlockCacheLookupOnce) {
  TempDir dir;
  Options o;
  o.background_work = false;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kCache, "a", R"({"n":1})").ok());
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kCache, "journal-only", R"({"n":2})").ok());

  // A record still in the journal is read from there: no cache lookup.
  StorageRecord r;
  CacheCounts before = Counts(db.get());
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kCache, "journal-only", &r).ok());
  CacheCounts after = Counts(db.get());
  EXPECT_EQ(after.hits, before.hits);
  EXPECT_EQ(after.misses, before.misses);

  ASSERT_TRUE(db->Flush().ok());
  before = Counts(db.get());
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kCache, "a", &r).ok());
  EXPECT_EQ(r.data, R"({"n":1})");
  after = Counts(db.get());
  EXPECT_EQ(after.misses, before.misses + 1);
  EXPECT_EQ(after.hits, before.hits);

  // The block read by the miss is now cached.
  before = after;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kCache, "a", &r).ok());
  after = Counts(db.get());
  EXPECT_EQ(after.hits, before.hits + 1);
  EXPECT_EQ(after.misses, before.misses);
}

}  // namespace
}  // namespace spirapi
