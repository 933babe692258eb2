// Codecs and DB::OptimizeFor: what each stores, what later writes and reads
// do with it, and that databases of earlier versions keep their codec.

#include <gtest/gtest.h>

#include <string>

#include "spirapi/db.h"
#include "storage/filenames.h"
#include "storage/manifest.h"
#include "storage/segment.h"
#include "support/temp_dir.h"
#include "util/coding.h"

namespace spirapi {
namespace {

using test::TempDir;

Options Quiet() {
  Options o;
  o.background_work = false;
  return o;
}

std::string Json(int i) {
  return R"({"digits":"31415926535897932384626433832795","n":)" + std::to_string(i) +
         R"(,"algorithm":"chudnovsky","tags":["pi","test"]})";
}

void Fill(DB* db, int n, int from = 0) {
  for (int i = from; i < from + n; ++i) {
    ASSERT_TRUE(db->Put(WriteOptions(), Component::kSequence, "id" + std::to_string(i), Json(i))
                    .ok());
  }
}

void ExpectAll(DB* db, int n) {
  for (int i = 0; i < n; ++i) {
    StorageRecord r;
    Status s = db->Get(ReadOptions(), Component::kSequence, "id" + std::to_string(i), &r);
    ASSERT_TRUE(s.ok()) << i << ": " << s.ToString();
    ASSERT_EQ(r.data, Json(i));
  }
}

// The path of the sequence component's first segment.
std::string FirstSegmentPath(const std::string& db_path) {
  Manifest m;
  EXPECT_TRUE(ReadManifest(FileSystem::Default(), db_path, &m).ok());
  const auto& segs = m.segments[static_cast<int>(Component::kSequence)];
  EXPECT_FALSE(segs.empty());
  if (segs.empty()) return db_path + "/no-segment";
  return db_path + "/" + SegmentRelPath(Component::kSequence, segs[0].file_number);
}

// The codec byte of the first data block of the component's first segment.
uint8_t FirstDataBlockCodec(const std::string& db_path) {
  std::unique_ptr<RandomAccessFile> f;
  EXPECT_TRUE(
      FileSystem::Default()->NewRandomAccessFile(FirstSegmentPath(db_path), &f).ok());
  if (f == nullptr) return 0xff;
  std::string head;
  EXPECT_TRUE(f->Read(0, kBlockHeaderSize, &head).ok());
  uint64_t first = 0;
  if (DecodeFixed32(head.data()) == kDictionaryBlockMagic) {
    first = kBlockHeaderSize + DecodeFixed32(head.data() + 5);
    EXPECT_TRUE(f->Read(first, kBlockHeaderSize, &head).ok());
  }
  EXPECT_EQ(DecodeFixed32(head.data()), kDataBlockMagic);
  return static_cast<uint8_t>(head[4]);
}

TEST(OptimizeTest, NewDatabasesUseZstdWithADictionaryInSmallBlocks) {
  TempDir dir;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  Fill(db.get(), 3000);
  ASSERT_TRUE(db->Compact().ok());
  DbStats st;
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_codec, CompressionCodec::kZstd);
  EXPECT_EQ(st.compression_level, 3);
  EXPECT_EQ(st.block_size_kib, 4);
  EXPECT_EQ(st.optimized_for, "");
  ExpectAll(db.get(), 3000);
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  EXPECT_TRUE(report.clean());
  db.reset();
  EXPECT_EQ(FirstDataBlockCodec(dir.Sub("db")), kCodecZstd | kCodecWithDictionary);
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  ExpectAll(db.get(), 3000);
}

TEST(OptimizeTest, ALzmaDatabaseKeepsLzma) {
  // A database of format version 3 has no compression_codec: LZMA.
  TempDir dir;
  std::unique_ptr<DB> db;
  Options o = Quiet();
  o.compression_codec = CompressionCodec::kLzma;
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  Fill(db.get(), 500);
  ASSERT_TRUE(db->Compact().ok());
  db.reset();
  Manifest m;
  ASSERT_TRUE(ReadManifest(FileSystem::Default(), dir.Sub("db"), &m).ok());
  m.format_version = 3;
  m.codec = CompressionCodec::kLzma;
  ASSERT_TRUE(WriteManifest(FileSystem::Default(), dir.Sub("db"), m).ok());
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  Fill(db.get(), 500, 500);
  ASSERT_TRUE(db->Compact().ok());
  ExpectAll(db.get(), 1000);
  DbStats st;
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_codec, CompressionCodec::kLzma);
  EXPECT_EQ(st.block_size_kib, 64);
  db.reset();
  EXPECT_EQ(FirstDataBlockCodec(dir.Sub("db")), kCodecLzma);
  // Asking for another codec is refused, not applied silently.
  o.compression_codec = CompressionCodec::kZstd;
  Status s = DB::Open(o, dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("compression_codec lzma"), std::string::npos) << s.ToString();
}

TEST(OptimizeTest, SpaceAndSpeedAreStoredAndRecompressOnCompact) {
  TempDir dir;
  std::unique_ptr<DB> db;
  Options o = Quiet();
  o.compression_codec = CompressionCodec::kLzma;
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  Fill(db.get(), 2000);
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_TRUE(db->OptimizeFor(OptimizationGoal::kSpace).ok());
  DbStats st;
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_codec, CompressionCodec::kZstd);
  EXPECT_EQ(st.compression_level, 9);
  EXPECT_EQ(st.block_size_kib, 16);
  EXPECT_EQ(st.optimized_for, "space");
  ASSERT_TRUE(db->Compact().ok());  // rewrites the LZMA segments
  ExpectAll(db.get(), 2000);
  db.reset();
  EXPECT_EQ(FirstDataBlockCodec(dir.Sub("db")), kCodecZstd | kCodecWithDictionary);

  // Stored: a plain reopen keeps it; the old explicit settings are refused.
  Status s = DB::Open(o, dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  Options creation_level = Quiet();
  creation_level.compression_level = 3;
  s = DB::Open(creation_level, dir.Sub("db"), &db);
  EXPECT_TRUE(s.IsInvalidArgument());
  // The message says where the other value came from, not "created with".
  EXPECT_NE(s.message().find("compression_level is 9, as optimize_for left it (last goal: space)"),
            std::string::npos)
      << s.ToString();
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.optimized_for, "space");
  ASSERT_TRUE(db->OptimizeFor(OptimizationGoal::kSpeed).ok());
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.compression_level, 1);
  EXPECT_EQ(st.block_size_kib, 4);
  EXPECT_EQ(st.optimized_for, "speed");
  ExpectAll(db.get(), 2000);
}

TEST(OptimizeTest, SecurityNeedsAnEncryptedDatabase) {
  TempDir dir;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("plain"), &db).ok());
  Status s = db->OptimizeFor(OptimizationGoal::kSecurity);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  DbStats st;
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.optimized_for, "") << "a refused goal changes nothing";
  db.reset();

  Options o = Quiet();
  o.encryption_enabled = true;
  o.passphrase = "optimize test";
  ASSERT_TRUE(DB::Open(o, dir.Sub("enc"), &db).ok());
  Fill(db.get(), 300);
  ASSERT_TRUE(db->OptimizeFor(OptimizationGoal::kSecurity).ok());
  // Unsynced commits are synced: the journal's sync count grows with each.
  ASSERT_TRUE(db->GetStats(&st).ok());
  const uint64_t syncs = st.journal_syncs;
  WriteOptions unsynced;
  unsynced.sync = false;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(db->Put(unsynced, Component::kSequence, "u" + std::to_string(i), "1").ok());
  }
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_GE(st.journal_syncs, syncs + 5);
  ASSERT_TRUE(db->Compact().ok());
  ExpectAll(db.get(), 300);
  ExpectAll(db.get(), 300);  // cache hits, checked again
  db.reset();
  Options again = Quiet();
  again.passphrase = o.passphrase;
  ASSERT_TRUE(DB::Open(again, dir.Sub("enc"), &db).ok());
  ASSERT_TRUE(db->GetStats(&st).ok());
  EXPECT_EQ(st.optimized_for, "security");
  ExpectAll(db.get(), 300);
}

TEST(OptimizeTest, ReadOnlyInstancesCannotOptimize) {
  TempDir dir;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  db.reset();
  Options ro = Quiet();
  ro.read_only = true;
  ASSERT_TRUE(DB::Open(ro, dir.Sub("db"), &db).ok());
  EXPECT_TRUE(db->OptimizeFor(OptimizationGoal::kSpace).IsNotSupported());
}

// A segment whose dictionary block is damaged: every record in it is
// reported, none returned; verify names the place.
TEST(OptimizeTest, DamagedDictionaryIsReportedNotReturned) {
  TempDir dir;
  std::unique_ptr<DB> db;
  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  Fill(db.get(), 3000);
  ASSERT_TRUE(db->Compact().ok());
  db.reset();
  const std::string path = FirstSegmentPath(dir.Sub("db"));
  std::string contents;
  {
    std::unique_ptr<RandomAccessFile> f;
    uint64_t size = 0;
    ASSERT_TRUE(FileSystem::Default()->NewRandomAccessFile(path, &f).ok());
    ASSERT_TRUE(FileSystem::Default()->GetFileSize(path, &size).ok());
    ASSERT_TRUE(f->Read(0, size, &contents).ok());
  }
  ASSERT_EQ(DecodeFixed32(contents.data()), kDictionaryBlockMagic);
  contents[kBlockHeaderSize + 50] ^= 1;
  ASSERT_TRUE(FileSystem::Default()->RemoveFile(path).ok());
  std::unique_ptr<WritableFile> w;
  ASSERT_TRUE(FileSystem::Default()->NewWritableFile(path, &w).ok());
  ASSERT_TRUE(w->Append(contents).ok());
  ASSERT_TRUE(w->Close().ok());

  ASSERT_TRUE(DB::Open(Quiet(), dir.Sub("db"), &db).ok());
  StorageRecord r;
  Status s = db->Get(ReadOptions(), Component::kSequence, "id7", &r);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("dictionary"), std::string::npos) << s.ToString();
  VerifyReport report;
  ASSERT_TRUE(db->Verify(&report).ok());
  ASSERT_FALSE(report.clean());
  EXPECT_EQ(report.damage[0].offset, 0u);
  EXPECT_TRUE(db->Compact().IsCorruption()) << "the only copies must not be dropped";
}

}  // namespace
}  // namespace spirapi

namespace spirapi {
namespace {

// GetPinned returns the same record as Get, without a copy, and its views
// outlive the block's eviction and the file's deletion by compaction.
TEST(PinnedReadTest, PinsOutliveEvictionAndCompaction) {
  test::TempDir dir;
  std::unique_ptr<DB> db;
  Options o;
  o.background_work = false;
  o.block_cache_bytes = 64 * 1024;  // a few blocks: reads below evict
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  Fill(db.get(), 2000);
  ASSERT_TRUE(db->PutWithBlob(WriteOptions(), Component::kSequence, "blob", "{\"b\":1}",
                              "{\"m\":2}", std::string("\0bin\xff", 5))
                  .ok());
  // In the journal: the pin owns a copy of the record's bytes.
  PinnedRecord journal;
  ASSERT_TRUE(db->GetPinned(ReadOptions(), Component::kSequence, "id5", &journal).ok());
  EXPECT_EQ(journal.data(), Json(5));
  ASSERT_TRUE(db->Compact().ok());

  PinnedRecord pinned;
  ASSERT_TRUE(db->GetPinned(ReadOptions(), Component::kSequence, "id7", &pinned).ok());
  StorageRecord copy;
  ASSERT_TRUE(db->Get(ReadOptions(), Component::kSequence, "id7", &copy).ok());
  EXPECT_EQ(pinned.id(), "id7");
  EXPECT_EQ(pinned.data(), copy.data);
  EXPECT_EQ(pinned.metadata(), copy.metadata);
  EXPECT_EQ(pinned.version(), copy.version);
  EXPECT_EQ(pinned.checksum(), copy.checksum);
  EXPECT_EQ(pinned.timestamp(), copy.timestamp);
  PinnedRecord blob;
  ASSERT_TRUE(db->GetPinned(ReadOptions(), Component::kSequence, "blob", &blob).ok());
  EXPECT_EQ(blob.blob(), std::string("\0bin\xff", 5));
  EXPECT_EQ(blob.metadata(), "{\"m\":2}");

  ExpectAll(db.get(), 2000);        // evicts id7's block many times over
  Fill(db.get(), 2000);             // new versions of every id
  ASSERT_TRUE(db->Compact().ok());  // deletes the file id7's pin came from
  EXPECT_EQ(pinned.data(), Json(7));
  EXPECT_EQ(journal.data(), Json(5));
  StorageRecord out;
  pinned.CopyTo(&out);
  EXPECT_EQ(out.data, copy.data);
  EXPECT_EQ(out.checksum, copy.checksum);

  pinned.Reset();
  EXPECT_TRUE(pinned.data().empty());
  Status s = db->GetPinned(ReadOptions(), Component::kSequence, "nope", &pinned);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_TRUE(pinned.id().empty());
}

}  // namespace
}  // namespace spirapi

namespace spirapi {
namespace {

uint64_t ChecksumsVerified(DB* db) {
  DbStats st;
  EXPECT_TRUE(db->GetStats(&st).ok());
  return st.checksums_verified;
}

// A record's SHA-256 is checked on its first read; after its block is
// evicted and read again, zstd's content checksum and the block CRC prove
// the bytes unchanged, so it is not hashed again. LZMA blocks have no content
// checksum: hashed on every read from disk. "security" hashes every read.
TEST(VerifiedRecordsTest, ARecordIsHashedOnceUnlessTheCodecCannotProveItsBytes) {
  for (CompressionCodec codec : {CompressionCodec::kZstd, CompressionCodec::kLzma}) {
    SCOPED_TRACE(CompressionCodecName(codec));
    test::TempDir dir;
    std::unique_ptr<DB> db;
    Options o;
    o.background_work = false;
    o.compression_codec = codec;
    o.block_cache_bytes = 0;  // no cache: every read decodes its block from disk
    ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
    Fill(db.get(), 2000);
    ASSERT_TRUE(db->Compact().ok());
    const uint64_t before = ChecksumsVerified(db.get());
    ExpectAll(db.get(), 2000);
    const uint64_t first = ChecksumsVerified(db.get()) - before;
    EXPECT_EQ(first, 2000u);
    ExpectAll(db.get(), 2000);
    const uint64_t second = ChecksumsVerified(db.get()) - before - first;
    EXPECT_EQ(second, codec == CompressionCodec::kZstd ? 0u : 2000u);
  }
  test::TempDir dir;
  std::unique_ptr<DB> db;
  Options o;
  o.background_work = false;
  o.encryption_enabled = true;
  o.passphrase = "verified";
  ASSERT_TRUE(DB::Open(o, dir.Sub("db"), &db).ok());
  Fill(db.get(), 500);
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_TRUE(db->OptimizeFor(OptimizationGoal::kSecurity).ok());
  const uint64_t before = ChecksumsVerified(db.get());
  ExpectAll(db.get(), 500);
  ExpectAll(db.get(), 500);  // cache hits: hashed again
  EXPECT_EQ(ChecksumsVerified(db.get()) - before, 1000u);
}

}  // namespace
}  // namespace spirapi
