// DB::SetCompression with Compact (compression optimization), and
// include/spirapi/maintenance.h: CleanupOlderThan and RemoveJournalTails.

#include "spirapi/maintenance.h"

#include <gtest/gtest.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "spirapi/db.h"
#include "spirapi/index.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

using test::TempDir;

constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

Options Quiet() {
  Options o;
  o.background_work = false;
  return o;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Json(int i) {
  return R"({"digits":"31415926535897932384626433832795","n":)" + std::to_string(i) +
         R"(,"algorithm":"chudnovsky","tags":["pi","test"]})";
}

uint64_t SegmentBytes(DB* db) {
  DbStats st;
  EXPECT_TRUE(db->GetStats(&st).ok());
  uint64_t n = 0;
  for (const ComponentStats& c : st.components) n += c.segment_bytes;
  return n;
}

uint64_t CountOf(DB* db, Component c) {
  uint64_t n = 0;
  EXPECT_TRUE(db->Count(ReadOptions(), c, &n).ok());
  return n;
}

bool Has(DB* db, Component c, const std::string& id) {
  bool exists = false;
  EXPECT_TRUE(db->Exists(ReadOptions(), c, id, &exists).ok());
  return exists;
}

TEST(SetCompressionTest, RecompressesKeepsRecordsAndIsStored) {
  TempDir dir;
  Options o = Quiet();
  o.compression_codec = CompressionCodec::kNone;
  o.compression_level = 0;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(
        db->Put(WriteOptions(), Component::kSequence, "id" + std::to_string(i), Json(i)).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->OptimizeFor(OptimizationGoal::kSpace).ok());
  ASSERT_TRUE(db->SetCompression(CompressionCodec::kNone, 0).ok());
  ASSERT_TRUE(db->Compact().ok());
  const uint64_t plain = SegmentBytes(db.get());

  ASSERT_TRUE(db->SetCompression(CompressionCodec::kZstd, 9).ok());
  DbStats st;
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_codec, CompressionCodec::kZstd);
  EXPECT_EQ(st.compression_level, 9);
  EXPECT_EQ(st.optimized_for, "");           // "space" no longer describes the settings
  EXPECT_EQ(SegmentBytes(db.get()), plain);  // only Compact rewrites
  ASSERT_TRUE(db->Compact().ok());
  const uint64_t packed = SegmentBytes(db.get());
  EXPECT_LT(packed * 3, plain) << packed << " vs " << plain;

  // Bad levels change nothing.
  EXPECT_TRUE(db->SetCompression(CompressionCodec::kLzma, 10).IsInvalidArgument());
  EXPECT_TRUE(db->SetCompression(CompressionCodec::kLzma, -1).IsInvalidArgument());
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_codec, CompressionCodec::kZstd);
  EXPECT_EQ(st.compression_level, 9);
  db.reset();

  // Stored: a plain open keeps it, the old explicit options are refused.
  Status s = DB::Open(o, dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("compression_codec zstd"), std::string::npos) << s.ToString();
  Options level_only = Quiet();
  level_only.compression_level = 0;
  s = DB::Open(level_only, dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("compression_level is 9 (stored; DB::SetCompression"),
            std::string::npos)
      << s.ToString();
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_codec, CompressionCodec::kZstd);
  EXPECT_EQ(st.compression_level, 9);
  for (int i = 0; i < 2000; ++i) {
    StorageRecord r;
    ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "id" + std::to_string(i), &r).ok());
    ASSERT_EQ(r.data, Json(i));
  }
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  EXPECT_TRUE(report.clean());
  db.reset();

  Options ro = Quiet();
  ro.read_only = true;
  ASSERT_TRUE(DB::Open(ro, dir.Sub("db"), &db).ok());
  EXPECT_TRUE(db->SetCompression(CompressionCodec::kLzma, 3).IsNotSupported());
}

// A database with `old` records per user component written before the
// returned cut (µs), internal-looking records too, and `young` after it.
class CleanupTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(DB::Open(Quiet(), dir_.Sub("db"), &db_).ok()); }

  void Put(Component c, const std::string& id, const std::string& data) {
    ASSERT_TRUE(db_->Put(WriteOptions(), c, id, data).ok()) << id;
  }

  // Writes `old` records "old-i" to sequence and cache, and the ids of
  // internal layouts, then `young` records "young-i" after the cut.
  int64_t Fill(int old, int young) {
    for (int i = 0; i < old; ++i) {
      Put(Component::kSequence, "old-" + std::to_string(i), Json(i));
      Put(Component::kCache, "old-" + std::to_string(i), Json(i));
    }
    for (const auto& [c, id] : Internal()) Put(c, id, "{}");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const int64_t cut = NowMicros();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (int i = 0; i < young; ++i)
      Put(Component::kSequence, "young-" + std::to_string(i), Json(i));
    return cut;
  }

  // Ids of layouts cleanup must keep that an application can also write.
  static std::vector<std::pair<Component, std::string>> Internal() {
    return {{Component::kSequence, "seq/pi-1"},
            {Component::kSequence, "digits/pi-1/1/00000000"},
            {Component::kSchema, "def/people"},
            {Component::kSchema, "rec/people/1"},
            {Component::kSchema, "hist/people/1/0001"},
            {Component::kQuery, "~log/0001-ab"},
            {Component::kMetadata, "pi-ids/next-position"},
            {Component::kMetadata, "schema-migrate/people"},
            {Component::kIndex, "unique/people/email/ab"},
            {Component::kIndex, "refs/people/1"},
            {Component::kIndex, "pattern/pi-1"}};
  }

  // Options that make records committed before `cut` old.
  static CleanupOptions Before(int64_t cut) {
    CleanupOptions o;
    o.older_than_days = 1;
    o.now_us = cut + kMicrosPerDay;
    return o;
  }

  TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(CleanupTest, DeletesOldUserRecordsKeepsYoungAndInternal) {
  IndexSpec spec{"seq_n", Component::kSequence, {"n"}};
  ASSERT_TRUE(CreateIndex(db_.get(), spec).ok());
  const int64_t cut = Fill(30, 10);
  // Rewritten after the cut: young again.
  Put(Component::kCache, "old-3", Json(1003));
  const uint64_t index_records = CountOf(db_.get(), Component::kIndex);

  CleanupResult result;
  ASSERT_TRUE(CleanupOlderThan(db_.get(), Before(cut), &result).ok());
  EXPECT_EQ(result.cutoff_us, cut);
  EXPECT_EQ(result.deleted, 59u);
  EXPECT_EQ(result.deleted_per_component[static_cast<int>(Component::kSequence)], 30u);
  EXPECT_EQ(result.deleted_per_component[static_cast<int>(Component::kCache)], 29u);
  EXPECT_EQ(result.skipped, 0u);
  EXPECT_FALSE(Has(db_.get(), Component::kSequence, "old-0"));
  EXPECT_TRUE(Has(db_.get(), Component::kCache, "old-3"));
  EXPECT_EQ(CountOf(db_.get(), Component::kCache), 1u);
  // 10 young records and the two internal-looking ones.
  EXPECT_EQ(CountOf(db_.get(), Component::kSequence), 12u);
  for (const auto& [c, id] : Internal()) EXPECT_TRUE(Has(db_.get(), c, id)) << id;
  // The index lost the entries of the deleted records, and still matches.
  EXPECT_EQ(CountOf(db_.get(), Component::kIndex), index_records - 30);
  std::vector<IndexMismatch> mismatches;
  ASSERT_TRUE(VerifyIndex(db_.get(), "seq_n", &mismatches).ok());
  EXPECT_TRUE(mismatches.empty());
  std::vector<IndexInfo> indexes;
  ASSERT_TRUE(ListIndexes(db_.get(), &indexes).ok());
  ASSERT_EQ(indexes.size(), 1u);
  // The 10 young records and the two kept ones (a missing field has an entry too).
  EXPECT_EQ(indexes[0].entries, 12u);
  VerifyReport report;
  ASSERT_TRUE(db_->Verify(&report).ok());
  EXPECT_TRUE(report.clean());

  // Nothing left to do; the internal records are kept whatever the component.
  for (Component c : kAllComponents) {
    CleanupOptions only = Before(NowMicros() + 1000);
    only.component = c;
    ASSERT_TRUE(CleanupOlderThan(db_.get(), only, &result).ok());
  }
  for (const auto& [c, id] : Internal()) EXPECT_TRUE(Has(db_.get(), c, id)) << id;
  EXPECT_EQ(CountOf(db_.get(), Component::kSequence), 2u);
  EXPECT_EQ(CountOf(db_.get(), Component::kCache), 0u);
}

TEST_F(CleanupTest, ComponentDryRunAndBadOptions) {
  const int64_t cut = Fill(20, 5);
  CleanupOptions o = Before(cut);
  o.dry_run = true;
  CleanupResult result;
  ASSERT_TRUE(CleanupOlderThan(db_.get(), o, &result).ok());
  EXPECT_EQ(result.deleted, 40u);
  EXPECT_EQ(CountOf(db_.get(), Component::kSequence), 27u);
  EXPECT_EQ(CountOf(db_.get(), Component::kCache), 20u);

  o.dry_run = false;
  o.component = Component::kCache;
  ASSERT_TRUE(CleanupOlderThan(db_.get(), o, &result).ok());
  EXPECT_EQ(result.deleted, 20u);
  EXPECT_EQ(CountOf(db_.get(), Component::kSequence), 27u);
  EXPECT_EQ(CountOf(db_.get(), Component::kCache), 0u);

  for (double days : {0.0, -1.0, std::nan("")}) {
    CleanupOptions bad;
    bad.older_than_days = days;
    EXPECT_TRUE(CleanupOlderThan(db_.get(), bad, &result).IsInvalidArgument()) << days;
  }
  CleanupOptions zero_batch = Before(cut);
  zero_batch.batch = 0;
  EXPECT_TRUE(CleanupOlderThan(db_.get(), zero_batch, &result).IsInvalidArgument());
  EXPECT_EQ(CountOf(db_.get(), Component::kSequence), 27u);

  // Read-only: a dry run works, a cleanup is refused.
  db_.reset();
  Options ro = Quiet();
  ro.read_only = true;
  ASSERT_TRUE(DB::Open(ro, dir_.Sub("db"), &db_).ok());
  o = Before(cut);
  EXPECT_TRUE(CleanupOlderThan(db_.get(), o, &result).IsNotSupported());
  o.dry_run = true;
  ASSERT_TRUE(CleanupOlderThan(db_.get(), o, &result).ok());
  EXPECT_EQ(result.deleted, 20u);
}

TEST_F(CleanupTest, BatchBoundaries) {
  for (size_t batch : {1, 7, 24, 25, 26, 1000}) {
    SCOPED_TRACE(batch);
    db_.reset();
    TempDir fresh;
    ASSERT_TRUE(DB::Open(Quiet(), fresh.Sub("db"), &db_).ok());
    for (int i = 0; i < 25; ++i) Put(Component::kCache, "c" + std::to_string(i), Json(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const int64_t mid = NowMicros();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    for (int i = 0; i < 3; ++i) Put(Component::kCache, "z" + std::to_string(i), Json(i));
    CleanupOptions o = Before(mid);
    o.batch = batch;
    CleanupResult result;
    ASSERT_TRUE(CleanupOlderThan(db_.get(), o, &result).ok());
    EXPECT_EQ(result.deleted, 25u);
    EXPECT_EQ(CountOf(db_.get(), Component::kCache), 3u);
    db_.reset();
  }
}

// Records rewritten while a cleanup runs are never deleted: each ends with
// its new version, whichever of the two came first.
TEST_F(CleanupTest, ConcurrentRewritesSurvive) {
  constexpr int kHot = 400;
  for (int i = 0; i < kHot; ++i) Put(Component::kCache, "hot" + std::to_string(i), Json(i));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int64_t cut = NowMicros();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::atomic<bool> go{false};
  std::thread writer([&] {
    while (!go.load()) std::this_thread::yield();
    WriteOptions wo;
    wo.sync = false;
    for (int i = kHot - 1; i >= 0; i -= 2) {
      ASSERT_TRUE(db_->Put(wo, Component::kCache, "hot" + std::to_string(i), Json(-i)).ok());
    }
  });
  CleanupOptions o = Before(cut);
  o.batch = 5;
  o.sync = false;
  CleanupResult result;
  go.store(true);
  Status s = CleanupOlderThan(db_.get(), o, &result);
  writer.join();
  ASSERT_TRUE(s.ok()) << s.ToString();
  // A record rewritten before the cleanup reached it is not even counted.
  EXPECT_GE(result.deleted, static_cast<uint64_t>(kHot / 2));
  EXPECT_LE(result.deleted + result.skipped, static_cast<uint64_t>(kHot));
  for (int i = 0; i < kHot; ++i) {
    StorageRecord r;
    Status g = db_->Get(ReadOptions(), Component::kCache, "hot" + std::to_string(i), &r);
    if (i % 2 == 1) {
      ASSERT_TRUE(g.ok()) << i << ": " << g.ToString();  // rewritten: must survive
      EXPECT_EQ(r.data, Json(-i));
    } else {
      EXPECT_TRUE(g.IsNotFound()) << i;
    }
  }
}

void WriteAged(const std::string& path, int days_ago) {
  std::ofstream(path) << "tail bytes";
  struct timeval times[2];
  times[0].tv_sec = times[1].tv_sec = time(nullptr) - days_ago * 86400;
  times[0].tv_usec = times[1].tv_usec = 0;
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
}

TEST(JournalTailsTest, RemovesOnlyOldTails) {
  TempDir dir;
  const std::string db_path = dir.Sub("db");
  {
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(Quiet(), db_path, &db).ok());
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kCache, "k", "{}").ok());
  }
  WriteAged(db_path + "/journal/000001-100.tail", 10);
  WriteAged(db_path + "/journal/000002-7.tail", 1);
  WriteAged(db_path + "/journal/notes.txt", 30);
  WriteAged(dir.Sub("db.damaged-20200101T000000Z"), 30);

  std::vector<JournalTailFile> removed;
  ASSERT_TRUE(RemoveJournalTails(db_path, 5, /*dry_run=*/true, &removed).ok());
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].file, "journal/000001-100.tail");
  EXPECT_EQ(removed[0].bytes, 10u);
  EXPECT_TRUE(std::filesystem::exists(db_path + "/journal/000001-100.tail"));

  {
    // Open for writing: the lock is taken, so nothing is removed.
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(Quiet(), db_path, &db).ok());
    EXPECT_TRUE(RemoveJournalTails(db_path, 5, false, &removed).IsBusy());
  }
  ASSERT_TRUE(RemoveJournalTails(db_path, 5, false, &removed).ok());
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(db_path + "/journal/000001-100.tail"));
  EXPECT_TRUE(std::filesystem::exists(db_path + "/journal/000002-7.tail"));
  EXPECT_TRUE(std::filesystem::exists(db_path + "/journal/notes.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("db.damaged-20200101T000000Z")));

  EXPECT_TRUE(RemoveJournalTails(db_path, 0, false, &removed).IsInvalidArgument());
  EXPECT_TRUE(RemoveJournalTails(dir.path(), 5, false, &removed).IsInvalidArgument());
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Quiet(), db_path, &db).ok());
  StorageRecord r;
  EXPECT_TRUE(db->Get(ReadOptions(), Component::kCache, "k", &r).ok());
}

}  // namespace
}  // namespace spirapi
