// Cache warming (db/db_cache_warming.cc): the hot blocks recorded at close
// are in the block cache after a reopen without the application reading
// them; a damaged warm file or one naming deleted segments loads nothing
// and reports nothing; a close during warming stops it and keeps the blocks
// not loaded yet for the next open.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "spirapi/db.h"
#include "support/fault_injection_fs.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

constexpr int kRecords = 2000;
constexpr int kHot = 100;

std::string Id(int i) { return "r" + std::to_string(100000 + i); }

Options BaseOptions() {
  Options o;
  o.background_work = false;  // no flush or compaction reading segments meanwhile
  o.block_cache_bytes = 4 << 20;
  o.compression_level = 0;
  return o;
}

void Fill(const Options& o, const std::string& path) {
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, path, &db).ok());
  const std::string value = "\"" + std::string(1000, 'v') + "\"";
  WriteOptions nosync;
  nosync.sync = false;
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_TRUE(db->Put(nosync, Component::kMetadata, Id(i), value).ok());
  }
  ASSERT_TRUE(db->Flush().ok());  // into segments: only their blocks are cached
}

void ReadHotSet(DB* db) {
  StorageRecord rec;
  for (int i = 0; i < kHot; ++i) {
    ASSERT_TRUE(db->Get(ReadOptions(), Component::kMetadata, Id(i), &rec).ok()) << i;
  }
}

DbStats Stats(DB* db) {
  DbStats st;
  EXPECT_TRUE(db->GetStats(&st).ok());
  return st;
}

// Waits for the loading to end (no bound on its speed is asserted).
DbStats WaitForWarming(DB* db) {
  for (int i = 0; i < 60000; ++i) {
    DbStats st = Stats(db);
    if (!st.block_cache_warming) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "warming did not end";
  return Stats(db);
}

// Opens, reads the hot set twice (it becomes hot), closes: CACHE-WARM.
void MakeHot(const Options& o, const std::string& path) {
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, path, &db).ok());
  WaitForWarming(db.get());
  ReadHotSet(db.get());
  ReadHotSet(db.get());
}

// Each test starts from a database with a warm file naming its hot set.
class CacheWarming : public ::testing::Test {
 protected:
  void SetUp() override {
    Fill(o, path);
    MakeHot(o, path);
    ASSERT_TRUE(std::filesystem::exists(path + "/CACHE-WARM"));
  }
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  const Options o = BaseOptions();
};

TEST_F(CacheWarming, HotBlocksAreCachedAfterReopenWithoutBeingRead) {
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, path, &db).ok());
  DbStats st = WaitForWarming(db.get());
  EXPECT_GT(st.block_cache_blocks_warmed, 0u);
  EXPECT_EQ(st.block_cache_blocks_warmed, st.block_cache_blocks_to_warm);
  EXPECT_GT(st.block_cache_usage_bytes, 0u);
  EXPECT_EQ(st.block_cache_capacity_bytes, o.block_cache_bytes);
  EXPECT_EQ(st.block_cache_hits + st.block_cache_misses, 0u) << "warming counts no lookups";
  ReadHotSet(db.get());
  st = Stats(db.get());
  EXPECT_EQ(st.block_cache_misses, 0u);
  EXPECT_EQ(st.block_cache_hits, static_cast<uint64_t>(kHot));
  db.reset();

  // The same without warming: the first reads miss.
  Options off = o;
  off.warm_cache_on_open = false;
  ASSERT_TRUE(DB::Open(off, path, &db).ok());
  st = Stats(db.get());
  EXPECT_EQ(st.block_cache_blocks_to_warm, 0u);
  EXPECT_FALSE(st.block_cache_warming);
  ReadHotSet(db.get());
  EXPECT_GT(Stats(db.get()).block_cache_misses, 0u);
  db.reset();

  // A read-only instance loads it too (and writes nothing).
  Options ro = o;
  ro.read_only = true;
  const auto written = std::filesystem::last_write_time(path + "/CACHE-WARM");
  ASSERT_TRUE(DB::Open(ro, path, &db).ok());
  st = WaitForWarming(db.get());
  EXPECT_GT(st.block_cache_blocks_warmed, 0u);
  ReadHotSet(db.get());
  EXPECT_EQ(Stats(db.get()).block_cache_misses, 0u);
  db.reset();
  EXPECT_EQ(std::filesystem::last_write_time(path + "/CACHE-WARM"), written);
}

TEST_F(CacheWarming, ADamagedWarmFileIsIgnored) {
  const std::string warm = path + "/CACHE-WARM";
  std::string good;
  {
    std::ifstream in(warm, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(good.size(), 30u);
  std::string flipped = good;
  flipped[20] ^= 1;
  for (const std::string& bad : {flipped, good.substr(0, good.size() / 2), std::string(),
                                 std::string("not a warm file at all")}) {
    {
      std::ofstream out(warm, std::ios::binary | std::ios::trunc);
      out << bad;
    }
    std::unique_ptr<DB> db;
    ASSERT_TRUE(DB::Open(o, path, &db).ok());
    DbStats st = WaitForWarming(db.get());
    EXPECT_EQ(st.block_cache_blocks_to_warm, 0u);
    EXPECT_EQ(st.block_cache_blocks_warmed, 0u);
    ReadHotSet(db.get());  // reads work, and make the set hot again
    ReadHotSet(db.get());
    EXPECT_GT(Stats(db.get()).block_cache_misses, 0u);
  }
  // The last close wrote a good file again.
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, path, &db).ok());
  EXPECT_GT(WaitForWarming(db.get()).block_cache_blocks_warmed, 0u);
}

TEST_F(CacheWarming, BlocksOfDeletedSegmentsAreSkipped) {
  {
    // A compaction replaces every segment (and drops their blocks from the
    // cache): the warm file kept at close names only deleted files.
    std::unique_ptr<DB> db;
    Options off = o;
    off.warm_cache_on_open = false;
    ASSERT_TRUE(DB::Open(off, path, &db).ok());
    ASSERT_TRUE(db->Compact().ok());
  }
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, path, &db).ok());
  DbStats st = WaitForWarming(db.get());
  EXPECT_GT(st.block_cache_blocks_to_warm, 0u);
  EXPECT_EQ(st.block_cache_blocks_warmed, 0u);
  ReadHotSet(db.get());
  EXPECT_GT(Stats(db.get()).block_cache_misses, 0u);
}

// Segment reads after the warm file is opened wait at a gate for a permit:
// the test decides how far warming gets.
class GatedFileSystem : public test::FaultInjectionFileSystem {
 public:
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* out) override {
    Status s = FaultInjectionFileSystem::NewRandomAccessFile(path, out);
    if (path.ends_with("CACHE-WARM")) {
      std::lock_guard<std::mutex> l(mu_);
      armed_ = true;
    }
    if (s.ok() && path.ends_with(".seg")) *out = std::make_unique<Gated>(std::move(*out), this);
    return s;
  }
  void WaitUntilAReadWaits() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return waiting_ > 0; });
  }
  // Grants a permit to each read that waits, until Finish().
  void GrantPermits() {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      cv_.wait(l, [this] { return (waiting_ > 0 && permits_ == 0) || finished_; });
      if (finished_) return;
      ++permits_;
      cv_.notify_all();
      // One read per 50 ms at most: the closing thread gets its turn even on
      // a loaded machine, where handing permits back and forth between two
      // threads could otherwise run through the whole list before it runs.
      cv_.wait_for(l, std::chrono::milliseconds(50), [this] { return finished_; });
    }
  }
  void Finish() {
    std::lock_guard<std::mutex> l(mu_);
    finished_ = true;
    cv_.notify_all();
  }
  int gated_reads() {
    std::lock_guard<std::mutex> l(mu_);
    return gated_reads_;
  }

 private:
  class Gated : public RandomAccessFile {
   public:
    Gated(std::unique_ptr<RandomAccessFile> base, GatedFileSystem* fs)
        : base_(std::move(base)), fs_(fs) {}
    Status Read(uint64_t offset, size_t n, std::string* result) const override {
      {
        std::unique_lock<std::mutex> l(fs_->mu_);
        if (fs_->armed_ && !fs_->finished_) {
          ++fs_->gated_reads_;
          ++fs_->waiting_;
          fs_->cv_.notify_all();
          fs_->cv_.wait(l, [this] { return fs_->permits_ > 0 || fs_->finished_; });
          if (fs_->permits_ > 0) --fs_->permits_;
          --fs_->waiting_;
          fs_->cv_.notify_all();
        }
      }
      return base_->Read(offset, n, result);
    }

   private:
    std::unique_ptr<RandomAccessFile> base_;
    GatedFileSystem* fs_;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool finished_ = false;
  int waiting_ = 0;
  int permits_ = 0;
  int gated_reads_ = 0;
};

TEST_F(CacheWarming, ACloseDuringWarmingStopsItAndKeepsTheRest) {
  GatedFileSystem fs;
  Options gated = o;
  gated.file_system = &fs;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(gated, path, &db).ok());
  fs.WaitUntilAReadWaits();  // warming waits in its first block
  const DbStats st = Stats(db.get());
  EXPECT_TRUE(st.block_cache_warming);
  EXPECT_EQ(st.block_cache_blocks_warmed, 0u);
  const uint64_t listed = st.block_cache_blocks_to_warm;
  ASSERT_GT(listed, 10u);
  // Reads go on one at a time while the close stops warming: it stops at
  // its next block, before the end of the list.
  std::thread closer([&db, &fs] {
    db.reset();
    fs.Finish();
  });
  fs.GrantPermits();
  closer.join();
  EXPECT_LT(fs.gated_reads(), static_cast<int>(listed));

  // The blocks not loaded are listed again, with those that were.
  ASSERT_TRUE(DB::Open(o, path, &db).ok());
  const DbStats again = WaitForWarming(db.get());
  EXPECT_EQ(again.block_cache_blocks_to_warm, listed);
  EXPECT_EQ(again.block_cache_blocks_warmed, listed);
}

}  // namespace
}  // namespace spirapi
