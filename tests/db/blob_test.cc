// Records with a binary attachment (StorageRecord::blob): written by
// PutWithBlob, returned by every read, kept by flush, compaction, reopen and
// encryption, checked by the record checksum, and bounded by kMaxBlobBytes.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "spirapi/db.h"
#include "storage/manifest.h"
#include "support/temp_dir.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi {
namespace {

using test::TempDir;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// `size` bytes that start with a findable marker and go on with random
// (incompressible) bytes, NUL and 0xff included.
std::string MakeBlob(const std::string& marker, size_t size, uint64_t seed) {
  std::string blob = marker.substr(0, size);
  std::mt19937_64 rng(seed);
  while (blob.size() < size) blob.push_back(static_cast<char>(rng()));
  if (size > marker.size() + 2) {
    blob[marker.size()] = '\0';
    blob[marker.size() + 1] = '\xff';
  }
  return blob;
}

class BlobTest : public ::testing::Test {
 protected:
  void Open(const Options& o) {
    db_.reset();
    Status s = DB::Open(o, dir_.Sub("db"), &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Open() {
    Options o;
    o.background_work = false;
    Open(o);
  }
  void TearDown() override { db_.reset(); }

  // The blob of the newest version, or a marker for a failed read.
  std::string BlobOf(Component c, const std::string& id) {
    StorageRecord r;
    Status s = db_->Get(ReadOptions(), c, id, &r);
    return s.ok() ? r.blob : "<" + s.ToString() + ">";
  }

  TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(BlobTest, PutGetOverwriteDeleteAndVersions) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const std::string blob = MakeBlob("B1", 300, 1);
  WriteOptions wo;
  ASSERT_TRUE(
      db_->PutWithBlob(wo, Component::kSequence, "pi", R"({"n": 3})", R"({"packed":10})", blob)
          .ok());
  StorageRecord r;
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kSequence, "pi", &r).ok());
  EXPECT_EQ(r.blob, blob);
  EXPECT_EQ(r.data, R"({"n":3})");
  EXPECT_EQ(r.metadata, R"({"packed":10})");
  EXPECT_EQ(r.version, 1u);
  EXPECT_NE(r.ToJson().find(R"(,"blob_base64":")"), std::string::npos) << r.ToJson();

  // A plain Put makes a version without a blob; the older one keeps its own.
  ASSERT_TRUE(db_->Put(wo, Component::kSequence, "pi", "4").ok());
  ASSERT_TRUE(db_->Get(ReadOptions(), Component::kSequence, "pi", &r).ok());
  EXPECT_TRUE(r.blob.empty());
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.ToJson().find("blob_base64"), std::string::npos) << r.ToJson();
  // An empty blob is no blob.
  ASSERT_TRUE(db_->PutWithBlob(wo, Component::kSequence, "pi", "5", "{}", "").ok());
  EXPECT_EQ(BlobOf(Component::kSequence, "pi"), "");
  ASSERT_TRUE(db_->PutWithBlob(wo, Component::kSequence, "pi", "6", "{}", "\x01").ok());
  EXPECT_EQ(BlobOf(Component::kSequence, "pi"), "\x01");

  StorageRecord v1;
  ASSERT_TRUE(db_->GetVersion(ReadOptions(), Component::kSequence, "pi", 1, &v1).ok());
  EXPECT_EQ(v1.blob, blob);
  ASSERT_TRUE(db_->GetVersion(ReadOptions(), Component::kSequence, "pi", 2, &v1).ok());
  EXPECT_TRUE(v1.blob.empty());

  int scanned = 0;
  ASSERT_TRUE(db_->Scan(ReadOptions(), Component::kSequence, ScanOptions(),
                        [&](const StorageRecord& rec) {
                          ++scanned;
                          EXPECT_EQ(rec.blob, "\x01");
                          return true;
                        })
                  .ok());
  EXPECT_EQ(scanned, 1);

  ASSERT_TRUE(db_->Delete(wo, Component::kSequence, "pi").ok());
  EXPECT_TRUE(db_->Get(ReadOptions(), Component::kSequence, "pi", &r).IsNotFound());
  ASSERT_TRUE(db_->GetVersion(ReadOptions(), Component::kSequence, "pi", 1, &v1).ok());
  EXPECT_EQ(v1.blob, blob);
}

TEST_F(BlobTest, TransactionsCarryBlobsAcrossComponents) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const std::string a = MakeBlob("TA", 5000, 2);
  const std::string b = MakeBlob("TB", 7, 3);
  const std::string c = MakeBlob("TC", 100000, 4);
  std::unique_ptr<Transaction> txn;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &txn).ok());
  ASSERT_TRUE(txn->PutWithBlob(Component::kSequence, "s", "1", "{}", a).ok());
  ASSERT_TRUE(txn->PutWithBlob(Component::kIndex, "i", "2", "{}", b).ok());
  ASSERT_TRUE(txn->PutWithBlob(Component::kCache, "c", "3", "{}", "first").ok());
  ASSERT_TRUE(txn->PutWithBlob(Component::kCache, "c", "3", "{}", c).ok());  // last one wins
  ASSERT_TRUE(txn->PutWithBlob(Component::kQuery, "q", "4", "{}", "dropped").ok());
  ASSERT_TRUE(txn->Put(Component::kQuery, "q", "4").ok());  // no blob any more
  StorageRecord r;
  ASSERT_TRUE(txn->Get(Component::kCache, "c", &r).ok());
  EXPECT_EQ(r.blob, c);
  ASSERT_TRUE(txn->Get(Component::kQuery, "q", &r).ok());
  EXPECT_TRUE(r.blob.empty());
  EXPECT_EQ(BlobOf(Component::kSequence, "s").substr(0, 1), "<");  // not visible yet
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(BlobOf(Component::kSequence, "s"), a);
  EXPECT_EQ(BlobOf(Component::kIndex, "i"), b);
  EXPECT_EQ(BlobOf(Component::kCache, "c"), c);
  EXPECT_EQ(BlobOf(Component::kQuery, "q"), "");

  // Read from the transaction's snapshot.
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &txn).ok());
  ASSERT_TRUE(txn->Get(Component::kIndex, "i", &r).ok());
  EXPECT_EQ(r.blob, b);
  ASSERT_TRUE(txn->PutWithBlob(Component::kSchema, "new", "1", "{}", a).ok());
  ASSERT_TRUE(txn->PutWithBlob(Component::kSequence, "s", "9", "{}", b).ok());
  ASSERT_TRUE(txn->Rollback().ok());
  EXPECT_TRUE(db_->Get(ReadOptions(), Component::kSchema, "new", &r).IsNotFound());
  EXPECT_EQ(BlobOf(Component::kSequence, "s"), a);
  uint64_t n = 1;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kSchema, &n).ok());
  EXPECT_EQ(n, 0u);
}

TEST_F(BlobTest, LimitsRefuseAndWriteNothing) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const std::string too_big(kMaxBlobBytes + 1, '\xff');
  Status s = db_->PutWithBlob(WriteOptions(), Component::kSequence, "x", "1", "{}", too_big);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  std::unique_ptr<Transaction> txn;
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &txn).ok());
  s = txn->PutWithBlob(Component::kSequence, "x", "1", "{}", too_big);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  bool exists = true;
  ASSERT_TRUE(txn->Exists(Component::kSequence, "x", &exists).ok());
  EXPECT_FALSE(exists);
  ASSERT_TRUE(txn->Commit().ok());
  DbStats stats;
  ASSERT_TRUE(db_->GetStats(&stats).ok());
  EXPECT_EQ(stats.commits, 0u);

  // The limit itself is accepted.
  const std::string largest(kMaxBlobBytes, '\0');
  ASSERT_TRUE(
      db_->PutWithBlob(WriteOptions(), Component::kSequence, "max", "1", "{}", largest).ok());
  EXPECT_EQ(BlobOf(Component::kSequence, "max"), largest);

  // Blobs count towards the 256 MiB of a transaction.
  ASSERT_TRUE(db_->BeginTransaction(WriteOptions(), &txn).ok());
  for (int i = 0; i < 16; ++i) {
    ASSERT_TRUE(
        txn->PutWithBlob(Component::kCache, "big" + std::to_string(i), "1", "{}", largest).ok());
  }
  s = txn->Commit();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  uint64_t n = 1;
  ASSERT_TRUE(db_->Count(ReadOptions(), Component::kCache, &n).ok());
  EXPECT_EQ(n, 0u);
}

// The database's files never hold a blob's bytes in plain text when
// encrypted, in the journal or in segments.
TEST_F(BlobTest, EncryptionHidesBlobs) {
  Options o;
  o.background_work = false;
  o.encryption_enabled = true;
  o.passphrase = "blob secret";
  ASSERT_NO_FATAL_FAILURE(Open(o));
  const std::string marker = "BLOB-PLAINTEXT-7e2c91";
  std::vector<std::string> blobs;
  for (int i = 0; i < 20; ++i) {
    blobs.push_back(MakeBlob(marker + std::to_string(i) + "-", 3000, 100 + i));
    ASSERT_TRUE(db_->PutWithBlob(WriteOptions(), Component::kSequence, "k" + std::to_string(i),
                                 "1", "{}", blobs.back())
                    .ok());
    if (i == 9) {
      ASSERT_TRUE(db_->Flush().ok());  // half in segments, half in the journal
    }
  }
  db_.reset();
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.Sub("db"))) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string contents = ReadAll(entry.path());
    EXPECT_EQ(contents.find(marker), std::string::npos) << entry.path();
    for (const std::string& blob : blobs) {
      EXPECT_EQ(contents.find(blob.substr(1000, 32)), std::string::npos) << entry.path();
    }
  }
  EXPECT_GE(files, 3);
  ASSERT_NO_FATAL_FAILURE(Open(o));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(BlobOf(Component::kSequence, "k" + std::to_string(i)), blobs[i]);
  }
}

// An older database's MANIFEST is rewritten when it is opened for writing,
// before its journal gets a frame of format 3 or a record of format 2, so
// that an older reader refuses the database instead of taking them for
// damage.
TEST_F(BlobTest, UpgradesAnOlderManifestAtOpen) {
  ASSERT_NO_FATAL_FAILURE(Open());
  db_.reset();
  FileSystem* fs = FileSystem::Default();
  Manifest m;
  ASSERT_TRUE(ReadManifest(fs, dir_.Sub("db"), &m).ok());
  m.format_version = 1;
  ASSERT_TRUE(WriteManifest(fs, dir_.Sub("db"), m).ok());

  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(ReadManifest(fs, dir_.Sub("db"), &m).ok());
  EXPECT_EQ(m.format_version, kFormatVersion);
  ASSERT_TRUE(db_->PutWithBlob(WriteOptions(), Component::kSchema, "b", "1", "{}", "x").ok());
  EXPECT_EQ(BlobOf(Component::kSchema, "b"), "x");
  db_.reset();
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(BlobOf(Component::kSchema, "b"), "x");
}

// Flips a bit of the blob that starts with `marker` in a plain database file,
// then fixes the CRC of the journal frame or segment block around it, so
// that only the record checksum can tell. Returns false if it is not there.
bool DamageBlobBehindItsCrc(const std::filesystem::path& path, const std::string& marker) {
  std::string contents = ReadAll(path);
  const size_t at = contents.find(marker);
  if (at == std::string::npos) return false;
  contents[at + 500] ^= 0x20;
  // Journal frame: magic "SPJ3" | ... | payload_len u32 at 24 | ... |
  // payload crc u32 at 36 | header crc u32 at 40 of bytes 0..39. Segment
  // block: magic "SPIB" | codec u8 | stored_len u32 | raw_len u32 | crc u32
  // of the stored bytes.
  const size_t frame = contents.rfind("SPJ3", at);
  const size_t block = contents.rfind("SPIB", at);
  if (frame != std::string::npos) {
    const uint32_t len = DecodeFixed32(&contents[frame + 24]);
    EncodeFixed32(&contents[frame + 36], Crc32(contents.substr(frame + 44, len)));
    EncodeFixed32(&contents[frame + 40], Crc32(contents.substr(frame, 40)));
  } else if (block != std::string::npos) {
    const uint32_t len = DecodeFixed32(&contents[block + 5]);
    EncodeFixed32(&contents[block + 13], Crc32(contents.substr(block + 17, len)));
  } else {
    return false;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return true;
}

// A damaged byte inside a blob fails the record's checksum: reads report
// Corruption, and Verify names the record; its neighbours stay readable.
TEST_F(BlobTest, DamagedBlobIsReportedByIdInSegmentsAndJournal) {
  Options o;
  o.background_work = false;
  o.compression_level = 0;  // the blob stands in the segment as written
  ASSERT_NO_FATAL_FAILURE(Open(o));
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kIndex, "before", "1").ok());
  ASSERT_TRUE(db_->PutWithBlob(WriteOptions(), Component::kIndex, "seg", "1", "{}",
                               MakeBlob("SEGBLOB-", 2000, 7))
                  .ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(db_->PutWithBlob(WriteOptions(), Component::kIndex, "jrn", "1", "{}",
                               MakeBlob("JRNBLOB-", 2000, 8))
                  .ok());
  ASSERT_TRUE(db_->Put(WriteOptions(), Component::kIndex, "after", "3").ok());
  db_.reset();

  int damaged = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.Sub("db"))) {
    if (!entry.is_regular_file()) continue;
    for (const char* marker : {"SEGBLOB-", "JRNBLOB-"}) {
      damaged += DamageBlobBehindItsCrc(entry.path(), marker) ? 1 : 0;
    }
  }
  ASSERT_EQ(damaged, 2);

  ASSERT_NO_FATAL_FAILURE(Open(o));
  StorageRecord r;
  for (const char* id : {"seg", "jrn"}) {
    Status s = db_->Get(ReadOptions(), Component::kIndex, id, &r);
    EXPECT_TRUE(s.IsCorruption()) << id << ": " << s.ToString();
    EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(BlobOf(Component::kIndex, "before"), "");
  EXPECT_EQ(BlobOf(Component::kIndex, "after"), "");
  VerifyReport report;
  ASSERT_TRUE(db_->Verify(&report).ok());
  std::string named;
  for (const Damage& d : report.damage) named += d.component + "/" + d.id + ": " + d.what + "; ";
  EXPECT_NE(named.find("index/seg: record SHA-256 checksum mismatch"), std::string::npos) << named;
  EXPECT_NE(named.find("index/jrn: record SHA-256 checksum mismatch"), std::string::npos) << named;
}

struct Setting {
  int compression_level;
  bool encrypted;
};

class BlobReopenTest : public ::testing::TestWithParam<Setting> {};

// Blobs of several sizes (one larger than a segment block) survive flush,
// compaction and reopen, at compression 0 and 6 and with encryption.
TEST_P(BlobReopenTest, BlobsSurviveFlushCompactionAndReopen) {
  TempDir dir;
  Options o;
  o.background_work = false;
  o.compression_level = GetParam().compression_level;
  if (GetParam().encrypted) {
    o.encryption_enabled = true;
    o.passphrase = "reopen";
  }
  const size_t sizes[] = {1, 3, 1000, 70000, 300000};  // the block size is 64 KiB
  std::map<std::string, std::string> want;  // id -> blob of the newest version
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  auto write_round = [&](int round) {
    std::unique_ptr<Transaction> txn;
    ASSERT_TRUE(db->BeginTransaction(WriteOptions(), &txn).ok());
    for (size_t i = 0; i < std::size(sizes); ++i) {
      const std::string id = "r" + std::to_string(i);
      const std::string data = "{\"round\":" + std::to_string(round) + "}";
      if ((i + static_cast<size_t>(round)) % 4 == 3) {
        ASSERT_TRUE(txn->Put(Component::kSequence, id, data).ok());
        want[id] = "";
      } else {
        want[id] = MakeBlob("R" + std::to_string(round), sizes[i], round * 10 + i);
        ASSERT_TRUE(txn->PutWithBlob(Component::kSequence, id, data, "{}", want[id]).ok());
      }
    }
    ASSERT_TRUE(txn->Commit().ok());
  };
  auto check = [&] {
    for (const auto& [id, blob] : want) {
      StorageRecord r;
      Status s = db->Get(ReadOptions(), Component::kSequence, id, &r);
      ASSERT_TRUE(s.ok()) << id << ": " << s.ToString();
      EXPECT_EQ(r.blob, blob) << id;
      StorageRecord first;
      ASSERT_TRUE(db->GetVersion(ReadOptions(), Component::kSequence, id, 1, &first).ok()) << id;
      EXPECT_EQ(first.data, "{\"round\":0}");
    }
    VerifyReport report;
    ASSERT_TRUE(db->Verify(&report).ok());
    EXPECT_TRUE(report.clean()) << report.damage.front().file << ": " << report.damage.front().what;
  };
  auto reopen = [&] {
    db.reset();
    ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  };
  ASSERT_NO_FATAL_FAILURE(write_round(0));
  ASSERT_NO_FATAL_FAILURE(check());  // journal
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_NO_FATAL_FAILURE(check());  // segments
  ASSERT_NO_FATAL_FAILURE(write_round(1));
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_NO_FATAL_FAILURE(check());  // compacted segments
  ASSERT_NO_FATAL_FAILURE(write_round(2));  // and some in the journal again
  ASSERT_NO_FATAL_FAILURE(reopen());
  ASSERT_NO_FATAL_FAILURE(check());
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_NO_FATAL_FAILURE(reopen());
  ASSERT_NO_FATAL_FAILURE(check());
}

INSTANTIATE_TEST_SUITE_P(Settings, BlobReopenTest,
                         ::testing::Values(Setting{0, false}, Setting{6, false}, Setting{6, true}),
                         [](const ::testing::TestParamInfo<Setting>& info) {
                           return "Level" + std::to_string(info.param.compression_level) +
                                  (info.param.encrypted ? "Encrypted" : "");
                         });

}  // namespace
}  // namespace spirapi
