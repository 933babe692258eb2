// Read-only instances (Options::read_only) in one process: opened beside the
// writer, on a directory nothing may change, brought up to date by CatchUp
// while the writer rotates, flushes and compacts.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "spirapi/db.h"
#include "support/read_only_fs.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

// Every entry under a directory: relative path -> (size, mtime in ns).
using Fingerprint = std::map<std::string, std::tuple<uint64_t, int64_t>>;

Fingerprint FingerprintOf(const std::string& dir) {
  Fingerprint out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st;
    EXPECT_EQ(::stat(e.path().c_str(), &st), 0) << e.path();
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    out[std::filesystem::relative(e.path(), dir).string()] = {
        e.is_directory() ? 0 : static_cast<uint64_t>(st.st_size), mtime};
  }
  return out;
}

std::string LastJournal(const std::string& db) {
  std::string last;
  for (const auto& e : std::filesystem::directory_iterator(db + "/journal")) {
    if (e.path().extension() == ".log" && e.path().string() > last) last = e.path().string();
  }
  return last;
}

void AppendBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

Options ReaderOptions() {
  Options o;
  o.read_only = true;
  return o;
}

std::string Value(int n) { return "{\"n\":" + std::to_string(n) + "}"; }

class ReadOnlyTest : public ::testing::Test {
 protected:
  void OpenWriter(Options o = Options()) { ASSERT_TRUE(DB::Open(o, path_, &writer_).ok()); }
  void OpenReader(Options o = ReaderOptions()) {
    Status s = DB::Open(o, path_, &reader_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // Unsynced: no test here loses power, and fdatasyncs would make it slow.
  static WriteOptions Unsynced() {
    WriteOptions wo;
    wo.sync = false;
    return wo;
  }
  void Put(const std::string& id, const std::string& data) {
    ASSERT_TRUE(writer_->Put(Unsynced(), Component::kSequence, id, data).ok());
  }
  // The reader's data for id, or "NotFound".
  std::string Read(const std::string& id) {
    StorageRecord r;
    Status s = reader_->Get(ReadOptions(), Component::kSequence, id, &r);
    if (s.IsNotFound()) return "NotFound";
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r.data;
  }

  test::TempDir dir_;
  std::string path_ = dir_.Sub("db");
  std::unique_ptr<DB> writer_;
  std::unique_ptr<DB> reader_;
};

TEST_F(ReadOnlyTest, OpensBesideTheWriterAndCatchesUp) {
  OpenWriter();
  Put("a", Value(1));
  OpenReader();
  EXPECT_EQ(Read("a"), Value(1));

  Put("a", Value(2));
  Put("b", Value(3));
  EXPECT_EQ(Read("a"), Value(1)) << "a read-only instance sees the state at open";
  EXPECT_EQ(Read("b"), "NotFound");
  ASSERT_TRUE(reader_->CatchUp().ok());
  EXPECT_EQ(Read("a"), Value(2));
  EXPECT_EQ(Read("b"), Value(3));

  ASSERT_TRUE(writer_->Delete(WriteOptions(), Component::kSequence, "a").ok());
  ASSERT_TRUE(reader_->CatchUp().ok());
  EXPECT_EQ(Read("a"), "NotFound");
  uint64_t count = 0;
  ASSERT_TRUE(reader_->Count(ReadOptions(), Component::kSequence, &count).ok());
  EXPECT_EQ(count, 1u);

  // A writer's CatchUp is a no-op: it is always current.
  EXPECT_TRUE(writer_->CatchUp().ok());
  // A second writer is still refused while the first holds the lock.
  std::unique_ptr<DB> second;
  EXPECT_TRUE(DB::Open(Options(), path_, &second).IsBusy());
}

TEST_F(ReadOnlyTest, EveryWriteIsRefused) {
  OpenWriter();
  Put("a", Value(1));
  OpenReader();
  const auto refused = [](const Status& s) {
    return s.IsNotSupported() && s.message().find("read-only") != std::string::npos;
  };
  EXPECT_TRUE(refused(reader_->Put(WriteOptions(), Component::kSequence, "b", "1")));
  EXPECT_TRUE(refused(
      reader_->PutWithBlob(WriteOptions(), Component::kSequence, "b", "1", "{}", "blob")));
  EXPECT_TRUE(refused(reader_->Delete(WriteOptions(), Component::kSequence, "a")));
  std::unique_ptr<Transaction> txn;
  EXPECT_TRUE(refused(reader_->BeginTransaction(WriteOptions(), &txn)));
  EXPECT_EQ(txn, nullptr);
  EXPECT_TRUE(refused(reader_->Flush()));
  EXPECT_TRUE(refused(reader_->Compact()));
  ASSERT_TRUE(reader_->CatchUp().ok());
  EXPECT_EQ(Read("a"), Value(1));
  EXPECT_EQ(Read("b"), "NotFound");
}

TEST_F(ReadOnlyTest, NeverCreatesADatabase) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(ReaderOptions(), path_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(path_));
  std::filesystem::create_directory(path_);
  s = DB::Open(ReaderOptions(), path_, &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(std::filesystem::is_empty(path_));

  Options both = ReaderOptions();
  both.error_if_exists = true;
  EXPECT_TRUE(DB::Open(both, path_, &db).IsInvalidArgument());
}

// A read-only mount: every mutating call fails (and is counted), and the
// directory is left exactly as it was, though it holds everything a writer's
// open would clean up: a torn journal tail, an orphan segment, a stale
// MANIFEST.tmp.
TEST_F(ReadOnlyTest, WritesNothingOnAReadOnlyFileSystem) {
  {
    Options o;
    o.background_work = false;
    OpenWriter(o);
    for (int i = 0; i < 50; ++i) Put("k" + std::to_string(i), Value(i));
    ASSERT_TRUE(writer_->Flush().ok());
    Put("k0", Value(100));
    writer_.reset();
  }
  AppendBytes(LastJournal(path_), std::string("SPIJ\x10\x00\x00\x00half a frame", 20));
  AppendBytes(path_ + "/sequence/999999.seg", "orphan");
  AppendBytes(path_ + "/MANIFEST.tmp", "stale");
  std::filesystem::remove(path_ + "/LOCK");
  const Fingerprint before = FingerprintOf(path_);

  test::ReadOnlyFileSystem fs;
  Options o = ReaderOptions();
  o.file_system = &fs;
  OpenReader(o);
  EXPECT_EQ(Read("k0"), Value(100));
  EXPECT_EQ(Read("k49"), Value(49));
  int seen = 0;
  ASSERT_TRUE(reader_->Scan(ReadOptions(), Component::kSequence, ScanOptions(),
                            [&](const StorageRecord&) { return ++seen > 0; })
                  .ok());
  EXPECT_EQ(seen, 50);
  ASSERT_TRUE(reader_->CatchUp().ok());
  VerifyReport report;
  ASSERT_TRUE(reader_->Verify(&report, nullptr).ok());
  EXPECT_TRUE(report.clean()) << report.damage.front().what;
  DbStats stats;
  ASSERT_TRUE(reader_->GetStats(&stats).ok());
  EXPECT_EQ(stats.components[0].live_records, 50u);
  reader_.reset();

  EXPECT_EQ(fs.attempts(), 0) << "a read-only instance tried to change the directory";
  EXPECT_EQ(FingerprintOf(path_), before);
}

// The same through the real file system on a chmod -R a-w copy. (As root,
// which the suite may run as, the mode stops nothing: the fingerprint then
// is what shows that nothing was written.)
TEST_F(ReadOnlyTest, ReadsAWriteProtectedDirectory) {
  OpenWriter();
  Put("a", Value(1));
  writer_.reset();
  std::filesystem::remove(path_ + "/LOCK");
  const auto set_writable = [&](bool writable) {
    const auto how = writable ? std::filesystem::perm_options::add
                              : std::filesystem::perm_options::remove;
    const auto all_write = std::filesystem::perms::owner_write |
                           std::filesystem::perms::group_write |
                           std::filesystem::perms::others_write;
    std::filesystem::permissions(path_, all_write, how);
    for (const auto& e : std::filesystem::recursive_directory_iterator(path_)) {
      std::filesystem::permissions(e.path(), all_write, how);
    }
  };
  set_writable(false);
  const Fingerprint before = FingerprintOf(path_);
  OpenReader();
  EXPECT_EQ(Read("a"), Value(1));
  ASSERT_TRUE(reader_->CatchUp().ok());
  reader_.reset();
  EXPECT_EQ(FingerprintOf(path_), before);
  set_writable(true);  // so that the temporary directory can be removed
}

TEST_F(ReadOnlyTest, ATailBeingWrittenIsNotYetVisible) {
  OpenWriter();
  Put("a", Value(1));
  const std::string journal = LastJournal(path_);
  const uint64_t size = std::filesystem::file_size(journal);
  // As if the writer were in the middle of appending a frame.
  AppendBytes(journal, std::string("SPIJ\x40\x00\x00\x00", 8));
  OpenReader();
  EXPECT_EQ(Read("a"), Value(1));
  ASSERT_TRUE(reader_->CatchUp().ok());
  EXPECT_EQ(std::filesystem::file_size(journal), size + 8) << "the reader cut the tail off";
  VerifyReport report;
  ASSERT_TRUE(reader_->Verify(&report, nullptr).ok());
  EXPECT_TRUE(report.clean()) << "an unfinished frame is not damage";
}

// Damage in the journal the writer appends to is first read again (it may be
// a read that raced with the writer reopening the database), then reported
// as any open reports it.
TEST_F(ReadOnlyTest, DamageBeforeTheTailIsReported) {
  OpenWriter();
  Put("a", "{\"pad\":\"" + std::string(300, 'x') + "\"}");
  const std::string journal = LastJournal(path_);
  const uint64_t first_frame_end = std::filesystem::file_size(journal);
  Put("b", Value(2));
  {
    std::fstream f(journal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(first_frame_end - 100));
    f.put('#');
  }
  OpenReader();
  StorageRecord r;
  Status s = reader_->Get(ReadOptions(), Component::kSequence, "a", &r);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(Read("b"), Value(2));
  VerifyReport report;
  ASSERT_TRUE(reader_->Verify(&report, nullptr).ok());
  EXPECT_FALSE(report.clean());
}

// Runs `before_open` before each file is opened for reading: lets a test put
// the writer's compaction exactly between the reader's MANIFEST read and its
// opening of a segment the MANIFEST names.
class RacingFileSystem : public test::ReadOnlyFileSystem {
 public:
  std::function<void(const std::string&)> before_open;
  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* out) override {
    if (before_open) before_open(path);
    return ReadOnlyFileSystem::NewRandomAccessFile(path, out);
  }
};

TEST_F(ReadOnlyTest, StartsOverWhenTheWriterDeletesAFileItIsOpening) {
  Options o;
  o.background_work = false;
  OpenWriter(o);
  for (int i = 0; i < 20; ++i) Put("k" + std::to_string(i), Value(i));
  ASSERT_TRUE(writer_->Flush().ok());
  Put("k0", Value(100));
  ASSERT_TRUE(writer_->Flush().ok());

  RacingFileSystem fs;
  int compactions = 0;
  fs.before_open = [&](const std::string& path) {
    if (compactions == 0 && path.ends_with(".seg")) {
      ++compactions;
      ASSERT_TRUE(writer_->Compact().ok());  // deletes the segment about to be opened
    }
  };
  Options r = ReaderOptions();
  r.file_system = &fs;
  OpenReader(r);
  EXPECT_EQ(compactions, 1);
  EXPECT_EQ(Read("k0"), Value(100));
  EXPECT_EQ(Read("k19"), Value(19));

  // A writer that replaces files on every attempt: a few attempts, then Busy.
  fs.before_open = [&](const std::string& path) {
    if (path.ends_with(".seg")) {
      ++compactions;
      ASSERT_TRUE(writer_->Compact().ok());
    }
  };
  Put("k1", Value(101));
  Status s = reader_->CatchUp();
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_NE(s.message().find("try again"), std::string::npos) << s.ToString();
  EXPECT_GT(compactions, 2);
  EXPECT_EQ(Read("k1"), Value(1)) << "a failed CatchUp changes nothing";
  fs.before_open = nullptr;
  ASSERT_TRUE(reader_->CatchUp().ok());
  EXPECT_EQ(Read("k1"), Value(101));
  EXPECT_EQ(fs.attempts(), 0);
}

TEST_F(ReadOnlyTest, HeldSnapshotMakesCatchUpBusy) {
  OpenWriter();
  Put("a", Value(1));
  OpenReader();
  Put("a", Value(2));
  const Snapshot* snap = reader_->GetSnapshot();
  Status s = reader_->CatchUp();
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_EQ(Read("a"), Value(1)) << "a refused CatchUp changes nothing";
  reader_->ReleaseSnapshot(snap);
  ASSERT_TRUE(reader_->CatchUp().ok());
  EXPECT_EQ(Read("a"), Value(2));
}

TEST_F(ReadOnlyTest, EncryptedDatabase) {
  Options o;
  o.encryption_enabled = true;
  o.passphrase = "secret";
  OpenWriter(o);
  Put("a", Value(1));
  Options r = ReaderOptions();
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(r, path_, &db).IsInvalidArgument()) << "no passphrase";
  r.encryption_enabled = true;
  r.passphrase = "secret";
  OpenReader(r);
  Put("b", Value(2));
  ASSERT_TRUE(reader_->CatchUp().ok());
  EXPECT_EQ(Read("a"), Value(1));
  EXPECT_EQ(Read("b"), Value(2));
}

// The writer rotates journals (1 MiB files), flushes and compacts while the
// reader reads: what the reader loaded stays readable after the writer
// deleted its files, and every CatchUp sees every commit made before it.
TEST_F(ReadOnlyTest, SurvivesRotationFlushAndCompaction) {
  Options o;
  o.max_file_size_mb = 1;
  o.compression_level = 0;
  o.compaction_garbage_ratio = 0.1;
  OpenWriter(o);
  const std::string padding(60000, 'x');
  std::map<std::string, std::string> model;
  auto write_round = [&](int round) {
    for (int i = 0; i < 20; ++i) {
      const std::string id = "k" + std::to_string(i);
      const std::string data =
          "{\"round\":" + std::to_string(round) + ",\"pad\":\"" + padding + "\"}";
      Put(id, data);
      model[id] = data;
    }
  };
  write_round(0);
  OpenReader();
  for (int round = 1; round <= 6; ++round) {
    std::map<std::string, std::string> seen = model;
    write_round(round);
    if (round % 2 == 0) {
      ASSERT_TRUE(writer_->Flush().ok());
    }
    if (round % 3 == 0) {
      ASSERT_TRUE(writer_->Compact().ok());
    }
    // The reader's old state, though the writer deleted files it came from.
    for (const auto& [id, data] : seen) {
      ASSERT_EQ(Read(id), data) << id << " round " << round;
    }
    ASSERT_TRUE(reader_->CatchUp().ok());
    for (const auto& [id, data] : model) {
      ASSERT_EQ(Read(id), data) << id << " round " << round;
    }
  }
}

// Readers on other threads read while CatchUp swaps the index and the writer
// commits: every transaction writes the same number to "a" and "b", so a scan
// that sees them differ saw a torn state.
TEST_F(ReadOnlyTest, ReadsStayConsistentDuringCatchUp) {
  Options o;
  o.max_file_size_mb = 1;
  OpenWriter(o);
  auto commit = [&](int n) {
    std::unique_ptr<Transaction> txn;
    ASSERT_TRUE(writer_->BeginTransaction(Unsynced(), &txn).ok());
    ASSERT_TRUE(txn->Put(Component::kSequence, "a", Value(n)).ok());
    ASSERT_TRUE(txn->Put(Component::kSequence, "b", Value(n)).ok());
    ASSERT_TRUE(txn->Commit().ok());
  };
  commit(0);
  OpenReader();
  std::atomic<bool> stop{false};
  std::atomic<int> scans{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::vector<std::string> values;
        Status s = reader_->Scan(ReadOptions(), Component::kSequence, ScanOptions(),
                                 [&](const StorageRecord& r) {
                                   values.push_back(r.data);
                                   return true;
                                 });
        ASSERT_TRUE(s.ok()) << s.ToString();
        ASSERT_EQ(values.size(), 2u);
        ASSERT_EQ(values[0], values[1]) << "a torn transaction";
        StorageRecord r;
        ASSERT_TRUE(reader_->Get(ReadOptions(), Component::kSequence, "a", &r).ok());
        scans.fetch_add(1);
      }
    });
  }
  for (int n = 1; n <= 120; ++n) {
    commit(n);
    if (n % 10 == 0) {
      Status s = reader_->CatchUp();
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(Read("a"), Value(n));
    }
    if (n % 40 == 0) {
      ASSERT_TRUE(writer_->Compact().ok());
    }
  }
  stop.store(true);
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_GT(scans.load(), 0);
}

}  // namespace
}  // namespace spirapi
