// Functional tests of the public DB API.

#include "spirapi/db.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "storage/manifest.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

using test::TempDir;

Options TestOptions() {
  Options o;
  o.background_work = false;
  return o;
}

std::unique_ptr<DB> OpenOrDie(const std::string& path, const Options& o = TestOptions()) {
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, path, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return db;
}

std::string GetData(DB* db, Component c, const std::string& id) {
  StorageRecord r;
  Status s = db->Get(ReadOptions(), c, id, &r);
  if (s.IsNotFound()) return "NOT_FOUND";
  if (!s.ok()) return s.ToString();
  return r.data;
}

TEST(DbTest, CreatesTheLayoutOfTheSpecification) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  for (const char* sub : {"sequence", "schema", "query", "metadata", "index", "cache", "journal"}) {
    EXPECT_TRUE(std::filesystem::is_directory(dir.Sub("db") + "/" + sub)) << sub;
  }
  EXPECT_TRUE(std::filesystem::exists(dir.Sub("db") + "/MANIFEST"));
}

TEST(DbTest, PutGetOverwriteVersions) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  WriteOptions wo;
  ASSERT_TRUE(db->Put(wo, Component::kSequence, "pi-1", R"({"digits": "14159"})",
                      R"({"src": "test"})").ok());
  StorageRecord r;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "pi-1", &r).ok());
  EXPECT_EQ(r.id, "pi-1");
  EXPECT_EQ(r.data, R"({"digits":"14159"})");  // stored compact
  EXPECT_EQ(r.metadata, R"({"src":"test"})");
  EXPECT_EQ(r.version, 1u);
  EXPECT_EQ(r.data_type, Component::kSequence);
  EXPECT_EQ(r.checksum.size(), 64u);
  EXPECT_GT(r.timestamp, 1.7e9);

  ASSERT_TRUE(db->Put(wo, Component::kSequence, "pi-1", R"({"digits":"26535"})").ok());
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "pi-1", &r).ok());
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.data, R"({"digits":"26535"})");
  EXPECT_EQ(r.metadata, "{}");

  StorageRecord old;
  ASSERT_TRUE(db->GetVersion(ReadOptions(), Component::kSequence, "pi-1", 1, &old).ok());
  EXPECT_EQ(old.data, R"({"digits":"14159"})");
  EXPECT_TRUE(db->GetVersion(ReadOptions(), Component::kSequence, "pi-1", 3, &old).IsNotFound());

  // Components are separate stores.
  EXPECT_EQ(GetData(db.get(), Component::kSchema, "pi-1"), "NOT_FOUND");
}

TEST(DbTest, DeleteExistsCount) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  WriteOptions wo;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(db->Put(wo, Component::kCache, "k" + std::to_string(i), std::to_string(i)).ok());
  }
  uint64_t n = 0;
  ASSERT_TRUE(db->Count(ReadOptions(), Component::kCache, &n).ok());
  EXPECT_EQ(n, 10u);
  ASSERT_TRUE(db->Delete(wo, Component::kCache, "k3").ok());
  EXPECT_TRUE(db->Delete(wo, Component::kCache, "k3").IsNotFound());
  EXPECT_TRUE(db->Delete(wo, Component::kCache, "nope").IsNotFound());
  bool exists = true;
  ASSERT_TRUE(db->Exists(ReadOptions(), Component::kCache, "k3", &exists).ok());
  EXPECT_FALSE(exists);
  ASSERT_TRUE(db->Exists(ReadOptions(), Component::kCache, "k4", &exists).ok());
  EXPECT_TRUE(exists);
  ASSERT_TRUE(db->Count(ReadOptions(), Component::kCache, &n).ok());
  EXPECT_EQ(n, 9u);
  // Re-created after delete: versions continue.
  ASSERT_TRUE(db->Put(wo, Component::kCache, "k3", "33").ok());
  StorageRecord r;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kCache, "k3", &r).ok());
  EXPECT_EQ(r.version, 2u);
}

TEST(DbTest, ScanOrderRangePrefixLimit) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  WriteOptions wo;
  for (const char* id : {"b2", "a1", "c3", "a2", "b1", "a3"}) {
    ASSERT_TRUE(db->Put(wo, Component::kQuery, id, "1").ok());
  }
  ASSERT_TRUE(db->Delete(wo, Component::kQuery, "b2").ok());
  auto scan = [&](ScanOptions so) {
    std::string ids;
    Status s = db->Scan(ReadOptions(), Component::kQuery, so, [&](const StorageRecord& r) {
      ids += r.id + " ";
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  };
  EXPECT_EQ(scan({}), "a1 a2 a3 b1 c3 ");
  EXPECT_EQ(scan({"a2", "c", "", 0}), "a2 a3 b1 ");
  EXPECT_EQ(scan({"", "", "a", 0}), "a1 a2 a3 ");
  EXPECT_EQ(scan({"", "", "a", 2}), "a1 a2 ");
  EXPECT_EQ(scan({"", "", "z", 0}), "");
}

TEST(DbTest, LargeScanCrossesChunks) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  std::unique_ptr<Transaction> txn;
  ASSERT_TRUE(db->BeginTransaction(WriteOptions(), &txn).ok());
  for (int i = 0; i < 1000; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "id%05d", i);
    ASSERT_TRUE(txn->Put(Component::kIndex, id, std::to_string(i)).ok());
  }
  ASSERT_TRUE(txn->Commit().ok());
  int expected = 0;
  ASSERT_TRUE(db->Scan(ReadOptions(), Component::kIndex, {}, [&](const StorageRecord& r) {
                  EXPECT_EQ(r.data, std::to_string(expected));
                  ++expected;
                  return true;
                }).ok());
  EXPECT_EQ(expected, 1000);
}

TEST(DbTest, BadInputChangesNothing) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  WriteOptions wo;
  EXPECT_TRUE(db->Put(wo, Component::kSchema, "", "1").IsInvalidArgument());
  EXPECT_TRUE(db->Put(wo, Component::kSchema, std::string(kMaxIdBytes + 1, 'x'), "1")
                  .IsInvalidArgument());
  EXPECT_TRUE(db->Put(wo, Component::kSchema, "x", "{bad json").IsInvalidArgument());
  EXPECT_TRUE(db->Put(wo, Component::kSchema, "x", "1 2").IsInvalidArgument());
  EXPECT_TRUE(db->Put(wo, Component::kSchema, "x", "1", "[1]").IsInvalidArgument());
  EXPECT_TRUE(db->Put(wo, Component::kSchema, "\xff\xfe", "1").IsInvalidArgument());
  std::string big = "\"" + std::string(kMaxValueBytes, 'a') + "\"";
  Status s = db->Put(wo, Component::kSchema, "x", big);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  uint64_t n = 1;
  ASSERT_TRUE(db->Count(ReadOptions(), Component::kSchema, &n).ok());
  EXPECT_EQ(n, 0u);
  Component c;
  EXPECT_TRUE(ParseComponent("tables", &c).IsInvalidArgument());
}

TEST(DbTest, NotADatabaseAndLocking) {
  TempDir dir;
  std::filesystem::create_directories(dir.Sub("other"));
  std::ofstream(dir.Sub("other") + "/notes.txt") << "hello";
  std::unique_ptr<DB> db;
  EXPECT_TRUE(DB::Open(TestOptions(), dir.Sub("other"), &db).IsInvalidArgument());
  Options no_create = TestOptions();
  no_create.create_if_missing = false;
  EXPECT_TRUE(DB::Open(no_create, dir.Sub("missing"), &db).IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("missing")));

  auto first = OpenOrDie(dir.Sub("db"));
  Status s = DB::Open(TestOptions(), dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
}

TEST(DbTest, NewerFormatVersionIsRefused) {
  TempDir dir;
  OpenOrDie(dir.Sub("db")).reset();
  // Rewrite the manifest as a future version would (with a valid checksum).
  std::string path = dir.Sub("db") + "/MANIFEST";
  std::ifstream in(path);
  std::string body, sum;
  std::getline(in, body);
  in.close();
  const std::string current = "\"format_version\":" + std::to_string(kFormatVersion);
  size_t at = body.find(current);
  ASSERT_NE(at, std::string::npos);
  body.replace(at, current.size(), "\"format_version\":9");
  ASSERT_EQ(std::system(("printf '%s' '" + body + "' | sha256sum | cut -c1-64 > " + dir.Sub("sum"))
                            .c_str()),
            0);
  std::ifstream(dir.Sub("sum")) >> sum;
  std::ofstream(path) << body << "\n" << sum << "\n";
  std::unique_ptr<DB> db;
  Status s = DB::Open(TestOptions(), dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
}

TEST(DbTest, SettingsArePersistedAndChecked) {
  TempDir dir;
  Options o = TestOptions();
  o.compression_level = 6;
  o.max_file_size_mb = 8;
  o.block_size_kib = 16;
  OpenOrDie(dir.Sub("db"), o).reset();
  auto db = OpenOrDie(dir.Sub("db"));  // unset: stored values
  DbStats st;
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_level, 6);
  EXPECT_EQ(st.max_file_size_mb, 8);
  EXPECT_EQ(st.backup_interval_hours, 24);
  EXPECT_EQ(st.block_size_kib, 16);
  db.reset();
  Options other = TestOptions();
  other.compression_level = 2;
  Status s = DB::Open(other, dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  other = TestOptions();
  other.block_size_kib = 64;
  EXPECT_TRUE(DB::Open(other, dir.Sub("db"), &db).IsInvalidArgument());
  Options bad = TestOptions();
  bad.compression_level = 11;
  EXPECT_TRUE(DB::Open(bad, dir.Sub("db2"), &db).IsInvalidArgument());
  bad = TestOptions();
  bad.block_size_kib = 2;
  EXPECT_TRUE(DB::Open(bad, dir.Sub("db2"), &db).IsInvalidArgument());
}

TEST(DbTest, SmallBlocksRoundTripAndAreMoreBlocks) {
  TempDir dir;
  uint64_t segment_bytes[2];
  for (int small = 0; small < 2; ++small) {
    Options o = TestOptions();
    o.compression_codec = CompressionCodec::kLzma;
    o.block_size_kib = small ? 4 : 64;
    auto db = OpenOrDie(dir.Sub("db" + std::to_string(small)), o);
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "k" + std::to_string(i),
                          R"({"i":)" + std::to_string(i) + R"(,"text":")" +
                              std::string(1000, static_cast<char>('a' + i % 26)) + R"("})")
                      .ok());
    }
    ASSERT_TRUE(db->Compact().ok());
    for (int i = 0; i < 500; i += 7) {
      EXPECT_NE(GetData(db.get(), Component::kSequence, "k" + std::to_string(i))
                    .find(std::string(1000, static_cast<char>('a' + i % 26))),
                std::string::npos);
    }
    VerifyReport report;
    ASSERT_TRUE(db->Verify(&report).ok());
    EXPECT_TRUE(report.clean());
    DbStats st;
    ASSERT_TRUE(db->GetStats(&st).ok());
    segment_bytes[small] = st.components[static_cast<int>(Component::kSequence)].segment_bytes;
  }
  // Each block is compressed on its own: more blocks, more bytes.
  EXPECT_GT(segment_bytes[1], segment_bytes[0]);
}

// Verify's progress callback sees the fraction rise to 1, and returning
// false stops the check with Cancelled (the Python binding's Ctrl-C).
TEST(DbTest, VerifyReportsProgressAndCanBeCancelled) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kCache, "k" + std::to_string(i), "1").ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  VerifyReport report;
  std::vector<double> seen;
  ASSERT_TRUE(db->Verify(&report, [&](double f) {
                  seen.push_back(f);
                  return true;
                }).ok());
  EXPECT_TRUE(report.clean());
  ASSERT_GE(seen.size(), 4u);
  EXPECT_EQ(seen.front(), 0.0);
  EXPECT_EQ(seen.back(), 1.0);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

  int calls = 0;
  Status s = db->Verify(&report, [&](double) { return ++calls < 2; });
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(report.files_checked, 1u);
}

// Compact's progress rises to 1; returning false cancels it and leaves the
// component readable and whole, as it was.
TEST(DbTest, CompactReportsProgressAndCanBeCancelled) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  WriteOptions fast;
  fast.sync = false;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(db->Put(fast, Component::kCache, "k" + std::to_string(i % 1000),
                        std::to_string(i)).ok());
  }
  int calls = 0;
  Status s = db->Compact([&](double) { return ++calls < 3; });
  EXPECT_TRUE(s.IsCancelled()) << s.ToString();
  for (int i = 0; i < 1000; i += 37) {
    EXPECT_EQ(GetData(db.get(), Component::kCache, "k" + std::to_string(i)),
              std::to_string(1000 + i));
  }
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  EXPECT_TRUE(report.clean());
  std::vector<double> seen;
  ASSERT_TRUE(db->Compact([&](double f) {
                  seen.push_back(f);
                  return true;
                }).ok());
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.back(), 1.0);
  DbStats stats;
  ASSERT_TRUE(db->GetStats(&stats).ok());
  EXPECT_EQ(stats.components[static_cast<int>(Component::kCache)].live_records, 1000u);
}

TEST(DbTest, TransactionsAreAtomicAndIsolated) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kMetadata, "m", "0").ok());
  std::unique_ptr<Transaction> t1, t2;
  ASSERT_TRUE(db->BeginTransaction(WriteOptions(), &t1).ok());
  ASSERT_TRUE(db->BeginTransaction(WriteOptions(), &t2).ok());
  ASSERT_TRUE(t1->Put(Component::kMetadata, "m", "1").ok());
  ASSERT_TRUE(t1->Put(Component::kSequence, "s", "1").ok());
  StorageRecord r;
  ASSERT_TRUE(t1->Get(Component::kMetadata, "m", &r).ok());
  EXPECT_EQ(r.data, "1");  // own write
  EXPECT_EQ(GetData(db.get(), Component::kMetadata, "m"), "0");  // not visible outside
  EXPECT_EQ(GetData(db.get(), Component::kSequence, "s"), "NOT_FOUND");
  ASSERT_TRUE(t1->Commit().ok());
  EXPECT_EQ(GetData(db.get(), Component::kMetadata, "m"), "1");
  EXPECT_EQ(GetData(db.get(), Component::kSequence, "s"), "1");

  // t2 began before t1 committed: it still sees the old value, and its write
  // to the same record conflicts.
  ASSERT_TRUE(t2->Get(Component::kMetadata, "m", &r).ok());
  EXPECT_EQ(r.data, "0");
  ASSERT_TRUE(t2->Put(Component::kMetadata, "m", "2").ok());
  ASSERT_TRUE(t2->Put(Component::kQuery, "q", "2").ok());
  Status s = t2->Commit();
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  EXPECT_EQ(GetData(db.get(), Component::kQuery, "q"), "NOT_FOUND");  // nothing of t2
  EXPECT_TRUE(t2->Commit().IsInvalidArgument());

  std::unique_ptr<Transaction> t3;
  ASSERT_TRUE(db->BeginTransaction(WriteOptions(), &t3).ok());
  ASSERT_TRUE(t3->Put(Component::kQuery, "q", "3").ok());
  ASSERT_TRUE(t3->Delete(Component::kMetadata, "m").ok());
  ASSERT_TRUE(t3->Rollback().ok());
  EXPECT_EQ(GetData(db.get(), Component::kQuery, "q"), "NOT_FOUND");
  EXPECT_EQ(GetData(db.get(), Component::kMetadata, "m"), "1");
}

TEST(DbTest, SnapshotsSeeOneState) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("db"));
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "a", "1").ok());
  const Snapshot* snap = db->GetSnapshot();
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "a", "2").ok());
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "b", "2").ok());
  ASSERT_TRUE(db->Compact().ok());  // must not drop what the snapshot sees
  ReadOptions ro;
  ro.snapshot = snap;
  StorageRecord r;
  ASSERT_TRUE(db->Get(ro, Component::kSequence, "a", &r).ok());
  EXPECT_EQ(r.data, "1");
  EXPECT_TRUE(db->Get(ro, Component::kSequence, "b", &r).IsNotFound());
  uint64_t n;
  ASSERT_TRUE(db->Count(ro, Component::kSequence, &n).ok());
  EXPECT_EQ(n, 1u);
  db->ReleaseSnapshot(snap);
  EXPECT_EQ(GetData(db.get(), Component::kSequence, "a"), "2");
}

class ReopenTest : public ::testing::TestWithParam<int> {};

// Writes, flushes, compacts and reopens at several compression levels (and
// with encryption for level 6); every committed record must survive.
TEST_P(ReopenTest, DataSurvivesFlushCompactionAndReopen) {
  TempDir dir;
  Options o = TestOptions();
  o.compression_level = GetParam();
  if (GetParam() == 6) {
    o.encryption_enabled = true;
    o.passphrase = "correct horse";
  }
  auto db = OpenOrDie(dir.Sub("db"), o);
  WriteOptions wo;
  for (int round = 0; round < 3; ++round) {
    std::unique_ptr<Transaction> txn;
    ASSERT_TRUE(db->BeginTransaction(wo, &txn).ok());
    for (int i = 0; i < 300; ++i) {
      std::string id = "rec" + std::to_string(i);
      std::string data = "{\"round\":" + std::to_string(round) + ",\"i\":" + std::to_string(i) +
                         ",\"digits\":\"3141592653589793238462643383279502884197\"}";
      ASSERT_TRUE(txn->Put(Component::kSequence, id, data).ok());
      if (i % 3 == 0) {
        ASSERT_TRUE(txn->Put(Component::kSchema, id, data).ok());
      }
    }
    ASSERT_TRUE(txn->Commit().ok());
    if (round == 0) {
      ASSERT_TRUE(db->Flush().ok());
    } else if (round == 1) {
      ASSERT_TRUE(db->Compact().ok());
    }
  }
  for (int i = 0; i < 300; i += 7) {
    ASSERT_TRUE(db->Delete(wo, Component::kSequence, "rec" + std::to_string(i)).ok());
  }
  auto check = [&](DB* d) {
    for (int i = 0; i < 300; ++i) {
      std::string id = "rec" + std::to_string(i);
      StorageRecord r;
      Status s = d->Get(ReadOptions(), Component::kSequence, id, &r);
      if (i % 7 == 0) {
        EXPECT_TRUE(s.IsNotFound()) << id << " " << s.ToString();
        continue;
      }
      ASSERT_TRUE(s.ok()) << id << " " << s.ToString();
      EXPECT_NE(r.data.find("\"round\":2,"), std::string::npos) << r.data;
      EXPECT_EQ(r.version, 3u);
      StorageRecord v1;
      ASSERT_TRUE(d->GetVersion(ReadOptions(), Component::kSequence, id, 1, &v1).ok());
      EXPECT_NE(v1.data.find("\"round\":0,"), std::string::npos);
    }
    uint64_t n;
    ASSERT_TRUE(d->Count(ReadOptions(), Component::kSchema, &n).ok());
    EXPECT_EQ(n, 100u);
    VerifyReport report;
    ASSERT_TRUE(d->Verify(&report).ok());
    EXPECT_TRUE(report.clean()) << report.damage.front().file << ": " << report.damage.front().what;
    EXPECT_GT(report.records_checked, 0u);
  };
  check(db.get());
  db.reset();
  db = OpenOrDie(dir.Sub("db"), o);
  check(db.get());
  ASSERT_TRUE(db->Compact().ok());
  check(db.get());
  db.reset();
  db = OpenOrDie(dir.Sub("db"), o);
  check(db.get());
}

INSTANTIATE_TEST_SUITE_P(Levels, ReopenTest, ::testing::Values(0, 1, 6, 9));

TEST(DbTest, CompactionDropsDeletedAndOldVersions) {
  TempDir dir;
  Options o = TestOptions();
  o.max_versions_kept = 2;
  auto db = OpenOrDie(dir.Sub("db"), o);
  WriteOptions wo;
  wo.sync = false;
  for (int v = 0; v < 5; ++v) {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(db->Put(wo, Component::kCache, "k" + std::to_string(i),
                          "{\"v\":" + std::to_string(v) + ",\"pad\":\"" + std::string(200, 'x') + "\"}")
                      .ok());
    }
  }
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(db->Delete(wo, Component::kCache, "k" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(db->Flush().ok());
  DbStats before;
  ASSERT_TRUE(db->GetStats(&before).ok());
  ASSERT_TRUE(db->Compact().ok());
  DbStats after;
  ASSERT_TRUE(db->GetStats(&after).ok());
  const ComponentStats& b = before.components[static_cast<int>(Component::kCache)];
  const ComponentStats& a = after.components[static_cast<int>(Component::kCache)];
  EXPECT_EQ(a.live_records, 100u);
  EXPECT_EQ(a.stored_versions, 200u);  // 2 kept versions of 100 live ids
  EXPECT_LT(a.segment_bytes, b.segment_bytes / 3);
  StorageRecord r;
  EXPECT_TRUE(db->GetVersion(ReadOptions(), Component::kCache, "k150", 4, &r).ok());
  EXPECT_TRUE(db->GetVersion(ReadOptions(), Component::kCache, "k150", 1, &r).IsNotFound());
  // A deleted id dropped by compaction starts again at version 1.
  ASSERT_TRUE(db->Put(WriteOptions(), Component::kCache, "k5", "1").ok());
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kCache, "k5", &r).ok());
  EXPECT_EQ(r.version, 1u);
}

TEST(DbTest, EncryptionHidesIdsAndDataAndChecksPassphrase) {
  TempDir dir;
  Options o = TestOptions();
  o.encryption_enabled = true;
  o.passphrase = "s3cret";
  const std::string id = "secret-id-7f3a9c";
  const std::string payload = "PAYLOAD-b1e4c2d8";
  {
    auto db = OpenOrDie(dir.Sub("db"), o);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, id + std::to_string(i),
                          "\"" + payload + "\"", "{\"note\":\"" + payload + "\"}")
                      .ok());
    }
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kSchema, id, "\"" + payload + "\"").ok());
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.Sub("db"))) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(contents.find(id), std::string::npos) << entry.path();
    EXPECT_EQ(contents.find(payload), std::string::npos) << entry.path();
  }
  std::unique_ptr<DB> db;
  Options wrong = o;
  wrong.passphrase = "guess";
  Status s = DB::Open(wrong, dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("passphrase"), std::string::npos);
  Options none = TestOptions();
  EXPECT_TRUE(DB::Open(none, dir.Sub("db"), &db).IsInvalidArgument());
  db = OpenOrDie(dir.Sub("db"), o);
  EXPECT_EQ(GetData(db.get(), Component::kSchema, id), "\"" + payload + "\"");
  EXPECT_EQ(GetData(db.get(), Component::kSequence, id + "7"), "\"" + payload + "\"");
}

TEST(DbTest, BackgroundWorkFlushesJournals) {
  TempDir dir;
  Options o;
  o.max_file_size_mb = 1;
  auto db = OpenOrDie(dir.Sub("db"), o);
  WriteOptions wo;
  wo.sync = false;
  std::string pad(1000, 'p');
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(db->Put(wo, Component::kSequence, "id" + std::to_string(i), "\"" + pad + "\"").ok());
  }
  DbStats st;
  for (int tries = 0; tries < 200; ++tries) {
    ASSERT_TRUE(db->GetStats(&st).ok());
    if (st.flushes >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(st.flushes, 2u);
  EXPECT_EQ(GetData(db.get(), Component::kSequence, "id17"), "\"" + pad + "\"");
}

}  // namespace
}  // namespace spirapi
