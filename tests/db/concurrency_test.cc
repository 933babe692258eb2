// Concurrency tests: writers racing on the same records with transactions
// (snapshot isolation, first committer wins), readers checking that a
// snapshot never shows a half-applied transaction, flushes and compactions
// running meanwhile, and group commit. Also run under ThreadSanitizer.
//
// The invariant: K records, spread over two components, are always written
// together by one transaction with one value (the transaction's number), so
// any consistent view shows K equal values; each with the blob that belongs
// to its value.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/long_tests.h"
#include "support/temp_dir.h"
#include "spirapi/db.h"
#include "support/fault_injection_fs.h"

namespace spirapi {
namespace {

using test::LongTests;

struct Slot {
  Component component;
  std::string id;
};

// K = 6 records over two components.
const std::vector<Slot>& Slots() {
  static const std::vector<Slot> slots = {
      {Component::kSequence, "k0"}, {Component::kSequence, "k1"}, {Component::kSequence, "k2"},
      {Component::kIndex, "k0"},    {Component::kIndex, "k1"},    {Component::kIndex, "k2"}};
  return slots;
}

// Collects the first few violations from many threads.
class Problems {
 public:
  void Add(const std::string& what) {
    count_.fetch_add(1);
    std::lock_guard<std::mutex> l(mu_);
    if (first_.size() < 5) first_.push_back(what);
  }
  int count() const { return count_.load(); }
  std::string Describe() const {
    std::lock_guard<std::mutex> l(mu_);
    std::string out;
    for (const std::string& s : first_) out += s + "\n";
    return out;
  }

 private:
  std::atomic<int> count_{0};
  mutable std::mutex mu_;
  std::vector<std::string> first_;
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  void TearDown() override { db_.reset(); }  // before the directory goes
  std::string path() const { return dir_ + "/db"; }

  test::TempDir temp_;
  const std::string dir_ = temp_.path();
  std::unique_ptr<DB> db_;
};

// The blob written with a slot's value: none for every third value, else
// bytes made from it (NUL included), so that a reader can tell they match.
std::string BlobFor(const std::string& value) {
  if (std::stoull(value) % 3 == 0) return "";
  std::string blob;
  for (int i = 0; i < 50; ++i) blob += value + '\0';
  return blob;
}

// Reads the K slots at `ro` and checks they hold one value; returns it.
bool ReadSlots(DB* db, const ReadOptions& ro, std::string* value, std::string* problem) {
  std::string first;
  for (size_t i = 0; i < Slots().size(); ++i) {
    StorageRecord rec;
    Status s = db->Get(ro, Slots()[i].component, Slots()[i].id, &rec);
    if (!s.ok()) {
      *problem = "Get " + Slots()[i].id + ": " + s.ToString();
      return false;
    }
    if (rec.blob != BlobFor(rec.data)) {
      *problem = "blob of " + Slots()[i].id + " does not belong to value " + rec.data;
      return false;
    }
    if (i == 0) {
      first = rec.data;
    } else if (rec.data != first) {
      *problem = "torn read: " + std::string(ComponentName(Slots()[i].component)) + "/" +
                 Slots()[i].id + "=" + rec.data + " but " + ComponentName(Slots()[0].component) +
                 "/" + Slots()[0].id + "=" + first;
      return false;
    }
  }
  *value = first;
  return true;
}

TEST_F(ConcurrencyTest, TransactionsNeverTearUnderContention) {
  Options options;
  options.compression_level = 1;
  options.compaction_garbage_ratio = 0.3;
  ASSERT_TRUE(DB::Open(options, path(), &db_).ok());
  DB* db = db_.get();
  // Every slot starts at 0.
  {
    std::unique_ptr<Transaction> txn;
    ASSERT_TRUE(db->BeginTransaction(WriteOptions(), &txn).ok());
    for (const Slot& s : Slots()) ASSERT_TRUE(txn->Put(s.component, s.id, "0").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }

  constexpr int kWriters = 4;
  constexpr int kSnapshotReaders = 2;
  const auto duration = std::chrono::milliseconds(LongTests() ? 15000 : 3000);

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> next_txn{1};
  std::atomic<uint64_t> commits{0}, conflicts{0}, snapshot_reads{0}, scan_reads{0},
      txn_reads{0}, maintenance_runs{0}, noise_puts{0};
  Problems problems;

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(100 + w);
      while (!stop.load()) {
        const uint64_t n = next_txn.fetch_add(1);
        const std::string value = std::to_string(n);
        if (w == 0 && n % 5 == 0) {
          // Unrelated single-record writes, so the journal also carries
          // commits that never conflict.
          WriteOptions wo;
          wo.sync = n % 2 == 0;
          Status s = db->Put(wo, Component::kQuery, "noise" + std::to_string(n % 50), value);
          if (!s.ok()) problems.Add("noise Put: " + s.ToString());
          noise_puts.fetch_add(1);
          continue;
        }
        WriteOptions wo;
        wo.sync = rng() % 4 != 0;
        std::unique_ptr<Transaction> txn;
        Status s = db->BeginTransaction(wo, &txn);
        if (!s.ok()) {
          problems.Add("BeginTransaction: " + s.ToString());
          continue;
        }
        // Read-modify-write: the transaction's view is consistent too.
        if (rng() % 2 == 0) {
          StorageRecord a, b;
          Status sa = txn->Get(Component::kSequence, "k0", &a);
          Status sb = txn->Get(Component::kIndex, "k2", &b);
          if (!sa.ok() || !sb.ok()) {
            problems.Add("txn Get: " + sa.ToString() + " / " + sb.ToString());
          } else if (a.data != b.data) {
            problems.Add("transaction view torn: " + a.data + " vs " + b.data);
          }
        }
        // Write the slots in a random order.
        std::vector<Slot> order = Slots();
        std::shuffle(order.begin(), order.end(), rng);
        for (const Slot& slot : order) {
          s = txn->PutWithBlob(slot.component, slot.id, value, "{}", BlobFor(value));
          if (!s.ok()) problems.Add("txn Put: " + s.ToString());
        }
        // Widen the window between snapshot and commit so writers overlap.
        if (rng() % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 500));
        s = txn->Commit();
        if (s.ok()) {
          commits.fetch_add(1);
        } else if (s.IsConflict()) {
          conflicts.fetch_add(1);  // first committer won; just go again
        } else {
          problems.Add("Commit: " + s.ToString());
        }
      }
    });
  }
  for (int r = 0; r < kSnapshotReaders; ++r) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        const Snapshot* snap = db->GetSnapshot();
        ReadOptions ro;
        ro.snapshot = snap;
        std::string v1, v2, problem;
        if (!ReadSlots(db, ro, &v1, &problem)) {
          problems.Add("snapshot reader: " + problem);
        } else {
          // The same snapshot read again, after more commits, is unchanged.
          std::this_thread::yield();
          if (!ReadSlots(db, ro, &v2, &problem)) {
            problems.Add("snapshot reader (2nd): " + problem);
          } else if (v1 != v2) {
            problems.Add("snapshot changed: " + v1 + " then " + v2);
          }
        }
        db->ReleaseSnapshot(snap);
        snapshot_reads.fetch_add(1);
      }
    });
  }
  // Scan readers: across components with an explicit snapshot, and within
  // one component without one (a single scan is one snapshot).
  threads.emplace_back([&] {
    while (!stop.load()) {
      const Snapshot* snap = db->GetSnapshot();
      ReadOptions ro;
      ro.snapshot = snap;
      std::vector<std::string> values;
      ScanOptions so;
      so.prefix = "k";
      for (Component c : {Component::kSequence, Component::kIndex}) {
        Status s = db->Scan(ro, c, so, [&](const StorageRecord& r) {
          values.push_back(r.data);
          return true;
        });
        if (!s.ok()) problems.Add("Scan: " + s.ToString());
      }
      db->ReleaseSnapshot(snap);
      if (values.size() != Slots().size()) {
        problems.Add("snapshot scan saw " + std::to_string(values.size()) + " slots");
      } else if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) !=
                 values.end()) {
        problems.Add("snapshot scan torn: " + values.front() + " .. " + values.back());
      }

      values.clear();
      Status s = db->Scan(ReadOptions(), Component::kIndex, so, [&](const StorageRecord& r) {
        values.push_back(r.data);
        return true;
      });
      if (!s.ok()) problems.Add("Scan: " + s.ToString());
      if (values.size() != 3 ||
          std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) !=
              values.end()) {
        problems.Add("single scan torn or incomplete (" + std::to_string(values.size()) + ")");
      }
      scan_reads.fetch_add(1);
    }
  });
  // A read-only transaction sees one snapshot.
  threads.emplace_back([&] {
    while (!stop.load()) {
      std::unique_ptr<Transaction> txn;
      Status s = db->BeginTransaction(WriteOptions(), &txn);
      if (!s.ok()) {
        problems.Add("BeginTransaction (reader): " + s.ToString());
        continue;
      }
      std::string first;
      for (size_t i = 0; i < Slots().size(); ++i) {
        StorageRecord rec;
        s = txn->Get(Slots()[i].component, Slots()[i].id, &rec);
        if (!s.ok()) {
          problems.Add("txn reader Get: " + s.ToString());
          break;
        }
        if (i == 0) first = rec.data;
        if (rec.data != first) problems.Add("txn reader torn: " + first + " vs " + rec.data);
        std::this_thread::yield();
      }
      s = txn->Rollback();
      if (!s.ok()) problems.Add("Rollback: " + s.ToString());
      txn_reads.fetch_add(1);
    }
  });
  // Flushes and compactions while everything else runs.
  threads.emplace_back([&] {
    int i = 0;
    while (!stop.load()) {
      Status s = (i++ % 2 == 0) ? db->Flush() : db->Compact();
      if (!s.ok()) problems.Add("Flush/Compact: " + s.ToString());
      maintenance_runs.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  std::this_thread::sleep_for(duration);
  stop.store(true);
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(problems.count(), 0) << problems.Describe();
  EXPECT_GT(commits.load(), 50u);
  EXPECT_GT(conflicts.load(), 0u) << "writers on the same records should conflict sometimes";
  EXPECT_GT(snapshot_reads.load(), 50u);
  EXPECT_GT(scan_reads.load(), 10u);
  EXPECT_GT(txn_reads.load(), 10u);
  EXPECT_GT(maintenance_runs.load(), 4u);

  // The final state is consistent and survives a reopen.
  std::string before, problem;
  ASSERT_TRUE(ReadSlots(db, ReadOptions(), &before, &problem)) << problem;
  EXPECT_NE(before, "0");
  db_.reset();
  options.background_work = false;
  ASSERT_TRUE(DB::Open(options, path(), &db_).ok());
  std::string after;
  ASSERT_TRUE(ReadSlots(db_.get(), ReadOptions(), &after, &problem)) << problem;
  EXPECT_EQ(after, before);
  VerifyReport report;
  ASSERT_TRUE(db_->Verify(&report).ok());
  EXPECT_TRUE(report.clean()) << report.damage[0].file << ": " << report.damage[0].what;
}

TEST_F(ConcurrencyTest, FirstCommitterWins) {
  Options options;
  options.background_work = false;
  ASSERT_TRUE(DB::Open(options, path(), &db_).ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kSchema, "x", "1").ok());

  std::unique_ptr<Transaction> a, b;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &a).ok());
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &b).ok());
  ASSERT_TRUE(a->Put(Component::kSchema, "x", "2").ok());
  ASSERT_TRUE(a->Put(Component::kCache, "y", "2").ok());
  ASSERT_TRUE(b->Put(Component::kSchema, "x", "3").ok());
  ASSERT_TRUE(b->Put(Component::kMetadata, "z", "3").ok());
  ASSERT_TRUE(a->Commit().ok());
  Status s = b->Commit();
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  // The loser left nothing behind, and is finished.
  StorageRecord rec;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kSchema, "x", &rec).ok());
  EXPECT_EQ(rec.data, "2");
  EXPECT_TRUE(db_->Get(ReadOptions(), Component::kMetadata, "z", &rec).IsNotFound());
  EXPECT_TRUE(b->Put(Component::kSchema, "x", "4").IsInvalidArgument());

  // A transaction whose snapshot saw the winner commits fine.
  std::unique_ptr<Transaction> c;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &c).ok());
  ASSERT_TRUE(c->Put(Component::kSchema, "x", "5").ok());
  ASSERT_TRUE(c->Commit().ok());

  // Writes to different records do not conflict.
  std::unique_ptr<Transaction> d, e;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &d).ok());
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &e).ok());
  ASSERT_TRUE(d->Put(Component::kSchema, "p", "1").ok());
  ASSERT_TRUE(e->Put(Component::kSchema, "q", "1").ok());
  EXPECT_TRUE(d->Commit().ok());
  EXPECT_TRUE(e->Commit().ok());

  // A delete conflicts with a concurrent overwrite too.
  std::unique_ptr<Transaction> f, g;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &f).ok());
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &g).ok());
  ASSERT_TRUE(f->Delete(Component::kSchema, "p").ok());
  ASSERT_TRUE(g->Put(Component::kSchema, "p", "2").ok());
  ASSERT_TRUE(g->Commit().ok());
  s = f->Commit();
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kSchema, "p", &rec).ok());
  EXPECT_EQ(rec.data, "2");
}

TEST_F(ConcurrencyTest, SnapshotIsStableAcrossFlushAndCompact) {
  Options options;
  options.background_work = false;
  options.max_versions_kept = 1;
  ASSERT_TRUE(DB::Open(options, path(), &db_).ok());
  auto put_slots = [&](const std::string& value) {
    for (const Slot& s : Slots()) {
      ASSERT_TRUE(
          db_->PutWithBlob(WriteOptions(), s.component, s.id, value, "{}", BlobFor(value)).ok());
    }
  };
  ASSERT_NO_FATAL_FAILURE(put_slots("1"));
  const Snapshot* snap = db_->GetSnapshot();
  for (int v = 2; v <= 4; ++v) ASSERT_NO_FATAL_FAILURE(put_slots(std::to_string(v)));
  ASSERT_TRUE(db_->Delete(WriteOptions(), Component::kIndex, "k1").ok());
  // Compaction keeps what a live snapshot still needs.
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->Compact().ok());
  ReadOptions ro;
  ro.snapshot = snap;
  std::string value, problem;
  ASSERT_TRUE(ReadSlots(db_.get(), ro, &value, &problem)) << problem;
  EXPECT_EQ(value, "1");
  uint64_t count = 0;
  ASSERT_TRUE(db_->Count(ro, Component::kIndex, &count).ok());
  EXPECT_EQ(count, 3u);
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kIndex, &count).ok());
  EXPECT_EQ(count, 2u);
  db_->ReleaseSnapshot(snap);
  StorageRecord rec;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kSequence, "k2", &rec).ok());
  EXPECT_EQ(rec.data, "4");
}

TEST_F(ConcurrencyTest, GroupCommitSharesSyncs) {
  // Each journal fdatasync takes 2 ms, so committers queue behind one
  // another and a leader syncs for the whole group.
  test::FaultInjectionFileSystem fs;
  fs.SetSyncDelay(std::chrono::milliseconds(2));
  Options options;
  options.background_work = false;
  options.file_system = &fs;
  ASSERT_TRUE(DB::Open(options, path(), &db_).ok());
  DbStats before;
  ASSERT_TRUE(db_->GetStats(&before).ok());

  constexpr int kThreads = 4;
  constexpr int kPutsPerThread = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      WriteOptions wo;
      wo.sync = true;
      for (int i = 0; i < kPutsPerThread; ++i) {
        Status s = db_->Put(wo, Component::kMetadata, "t" + std::to_string(t) + "-" +
                                std::to_string(i), std::to_string(i));
        if (!s.ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  DbStats stats;
  ASSERT_TRUE(db_->GetStats(&stats).ok());
  const uint64_t commits = stats.commits - before.commits;
  const uint64_t syncs = stats.journal_syncs - before.journal_syncs;
  EXPECT_EQ(commits, static_cast<uint64_t>(kThreads * kPutsPerThread));
  EXPECT_GT(syncs, 0u);
  EXPECT_LT(syncs, commits) << "concurrent sync commits should share fdatasyncs";
  uint64_t count = 0;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kMetadata, &count).ok());
  EXPECT_EQ(count, static_cast<uint64_t>(kThreads * kPutsPerThread));

  // Every acknowledged commit is durable: a power loss keeps them all.
  db_.reset();
  ASSERT_TRUE(fs.SimulatePowerLoss(test::FaultInjectionFileSystem::TornWrite::kNone).ok());
  ASSERT_TRUE(DB::Open(options, path(), &db_).ok());
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kMetadata, &count).ok());
  EXPECT_EQ(count, static_cast<uint64_t>(kThreads * kPutsPerThread));
}

TEST_F(ConcurrencyTest, VerifyIsCleanWhileBackgroundWorkRuns) {
  // Journals rotate every few commits (1 MiB, 200 KiB values), so background
  // flushes and compactions replace files while Verify reads them. Files
  // retired meanwhile must not be reported as damage.
  Options options;
  options.max_file_size_mb = 1;
  options.compression_level = 0;
  options.compaction_garbage_ratio = 0.1;
  ASSERT_TRUE(DB::Open(options, path(), &db_).ok());
  DB* db = db_.get();
  // A bounded amount of writing (~30 journal rotations), so a slow Verify
  // cannot let the writer run away.
  const int kPuts = LongTests() ? 1500 : 150;
  std::atomic<bool> writer_done{false};
  Problems write_problems;
  std::thread writer([&] {
    const std::string big = "\"" + std::string(200 * 1024, 'v') + "\"";
    WriteOptions wo;
    wo.sync = false;
    for (int i = 0; i < kPuts; ++i) {
      Status s = db->Put(wo, Component::kCache, "big" + std::to_string(i % 8), big);
      if (!s.ok()) write_problems.Add(s.ToString());
    }
    writer_done.store(true);
  });
  int verifies = 0;
  int dirty = 0;
  std::string first;
  // Verify excludes background work while it runs; short pauses between runs
  // let flushes interleave. Keep going until some flush has happened.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  DbStats stats;
  while (std::chrono::steady_clock::now() < deadline) {
    VerifyReport report;
    Status s = db->Verify(&report);
    if (!s.ok()) {
      ADD_FAILURE() << "Verify: " << s.ToString();  // not ASSERT: join the writer first
      break;
    }
    ++verifies;
    if (!report.clean()) {
      if (dirty++ == 0) first = report.damage[0].file + ": " + report.damage[0].what;
    }
    s = db->GetStats(&stats);
    if (!s.ok()) {
      ADD_FAILURE() << "GetStats: " << s.ToString();
      break;
    }
    if (writer_done.load() && verifies >= 2 && stats.flushes > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writer.join();
  EXPECT_EQ(write_problems.count(), 0) << write_problems.Describe();
  EXPECT_EQ(dirty, 0) << "of " << verifies << " Verify runs; first: " << first;
  EXPECT_GT(stats.flushes, 0u) << "background flushes should have run";
}

}  // namespace
}  // namespace spirapi
