// Writers wait for the background thread when sealed journals pile up.
// Found by spirapi_stress --kill-loop: flushes run at a lower priority than
// commits, a sustained write load outran them, and journals grew without
// bound (179 after 120 cycles), each open replaying them all.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "spirapi/db.h"
#include "support/fault_injection_fs.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

TEST(FlushBacklog, WritersWaitForTheBackgroundThread) {
  test::TempDir dir;
  test::FaultInjectionFileSystem fs;
  fs.SetRealSync(false);
  // Every fsync is slow, and a flush makes several (segment, directory,
  // MANIFEST) where the writer makes one per journal: flushes fall behind.
  fs.SetSyncDelay(std::chrono::milliseconds(10));
  Options o;
  o.background_work = true;
  o.compression_level = 0;
  o.max_file_size_mb = 1;
  o.file_system = &fs;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());

  const std::string value = "\"" + std::string(100 * 1024, 'v') + "\"";
  WriteOptions nosync;
  nosync.sync = false;
  constexpr int kPuts = 400;  // about 40 journals
  uint64_t most_journals = 0;
  for (int i = 0; i < kPuts; ++i) {
    ASSERT_TRUE(db->Put(nosync, Component::kCache, "k" + std::to_string(i % 50), value).ok());
    DbStats stats;
    ASSERT_TRUE(db->GetStats(&stats).ok());
    most_journals = std::max(most_journals, stats.journal_files);
  }
  // 8 sealed journals at most (db_write.cc, kMaxSealedJournals), plus the
  // active one.
  EXPECT_LE(most_journals, 9u);

  db.reset();
  fs.SetSyncDelay(std::chrono::microseconds(0));
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  uint64_t count = 0;
  ASSERT_TRUE(db->Count(ReadOptions(), Component::kCache, &count).ok());
  EXPECT_EQ(count, 50u);
  StorageRecord rec;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kCache, "k49", &rec).ok());
  EXPECT_EQ(rec.data, value);
}

}  // namespace
}  // namespace spirapi
