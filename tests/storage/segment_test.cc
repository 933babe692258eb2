// Tests for storage/segment.h: writing segment files, reading them back
// through the footer, and recovering their records by walking the blocks
// when the footer or a block is damaged.

#include "storage/segment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "codec/record_codec.h"
#include "support/temp_dir.h"
#include "util/coding.h"

namespace spirapi {
namespace {

// One record as added to a writer.
struct Input {
  std::string id;
  uint64_t seq;
  uint64_t version;
  uint8_t flags;
  std::string bytes;  // the encoded record
};

// `n` encoded records in id order, some of them tombstones. With
// `compressible` the data is repetitive JSON, otherwise random hex.
std::vector<Input> MakeInputs(int n, bool compressible) {
  std::mt19937 rng(1234);
  std::vector<Input> inputs;
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "id-%04d", i);
    std::string data;
    if (compressible) {
      data =
          R"({"digits":"3141592653589793238462643383279502884197","i":)" + std::to_string(i) + "}";
    } else {
      static const char kHex[] = "0123456789abcdef";
      data = "\"";
      for (int k = 0; k < 60; ++k) data.push_back(kHex[rng() % 16]);
      data += "\"";
    }
    RecordView r;
    r.component = Component::kSequence;
    r.flags = i % 7 == 3 ? kRecordTombstone : 0;
    r.seq = 100 + static_cast<uint64_t>(i);
    r.version = 1 + static_cast<uint64_t>(i % 3);
    r.timestamp_us = 1700000000000000 + i;
    r.id = id;
    if (!r.tombstone()) {
      r.data = data;
      r.metadata = "{}";
    }
    std::string bytes;
    EncodeRecord(r, &bytes);
    inputs.push_back({id, r.seq, r.version, r.flags, std::move(bytes)});
  }
  return inputs;
}

KdfParams FastKdf() {
  KdfParams p;
  p.n = 1024;
  p.salt.assign(16, 's');
  return p;
}

bool SameEntry(const SegmentEntry& a, const SegmentEntry& b) {
  return std::tie(a.id, a.seq, a.version, a.flags, a.block_offset, a.block_length, a.inner_offset,
                  a.inner_length) == std::tie(b.id, b.seq, b.version, b.flags, b.block_offset,
                                              b.block_length, b.inner_offset, b.inner_length);
}

std::string Describe(const SegmentEntry& e) {
  return e.id + " seq " + std::to_string(e.seq) + " v" + std::to_string(e.version) + " flags " +
         std::to_string(e.flags) + " @" + std::to_string(e.block_offset) + "+" +
         std::to_string(e.block_length) + " [" + std::to_string(e.inner_offset) + "," +
         std::to_string(e.inner_length) + ")";
}

void ExpectSameEntries(const std::vector<SegmentEntry>& got,
                       const std::vector<SegmentEntry>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(SameEntry(got[i], want[i]))
        << "entry " << i << ": got " << Describe(got[i]) << ", want " << Describe(want[i]);
  }
}

// A RandomAccessFile over bytes in memory, for damaging a segment cheaply.
class StringFile : public RandomAccessFile {
 public:
  explicit StringFile(std::string contents) : contents_(std::move(contents)) {}
  Status Read(uint64_t offset, size_t n, std::string* result) const override {
    if (offset > contents_.size()) return Status::IOError("read past the end");
    *result = contents_.substr(offset, n);
    return Status::OK();
  }
  const std::string& contents() const { return contents_; }

 private:
  std::string contents_;
};

class SegmentTest : public ::testing::Test {
 protected:
  SegmentTest() : fs_(FileSystem::Default()) {}

  // Writes `inputs` to a new segment file; returns the writer's entries.
  std::vector<SegmentEntry> Write(const std::string& name, const std::vector<Input>& inputs,
                                  int level, const Cipher* cipher, uint32_t block_size,
                                  CompressionCodec codec = CompressionCodec::kLzma) {
    path_ = dir_.Sub(name);
    std::unique_ptr<WritableFile> file;
    EXPECT_TRUE(fs_->NewWritableFile(path_, &file).ok());
    SegmentWriter writer(file.get(), SegmentSettings{codec, level, block_size}, cipher);
    for (const Input& in : inputs) {
      Status s = writer.Add(in.id, in.seq, in.version, in.flags, in.bytes);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    Status s = writer.Finish();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(file->Close().ok());
    uint64_t size = 0;
    EXPECT_TRUE(fs_->GetFileSize(path_, &size).ok());
    EXPECT_EQ(writer.size(), size);
    return writer.entries();
  }

  std::string Contents() {
    std::unique_ptr<RandomAccessFile> file;
    EXPECT_TRUE(fs_->NewRandomAccessFile(path_, &file).ok());
    uint64_t size = 0;
    EXPECT_TRUE(fs_->GetFileSize(path_, &size).ok());
    std::string contents;
    EXPECT_TRUE(file->Read(0, size, &contents).ok());
    return contents;
  }

  // Rewrites the segment file with new contents (to damage it on disk).
  void Overwrite(const std::string& contents) {
    // Unlink first: ext4 flushes a file truncated and rewritten in place on
    // close, which makes a byte-by-byte damage loop slow.
    if (fs_->FileExists(path_)) {
      ASSERT_TRUE(fs_->RemoveFile(path_).ok());
    }
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_->NewWritableFile(path_, &file).ok());
    ASSERT_TRUE(file->Append(contents).ok());
    ASSERT_TRUE(file->Close().ok());
  }

  Status ReadFooter(const Cipher* cipher, std::vector<SegmentEntry>* entries) {
    std::unique_ptr<RandomAccessFile> file;
    Status s = fs_->NewRandomAccessFile(path_, &file);
    uint64_t size = 0;
    if (s.ok()) s = fs_->GetFileSize(path_, &size);
    if (s.ok()) s = ReadSegmentFooter(*file, size, cipher, entries);
    return s;
  }

  // Reads the block of an entry as the database does (with the segment's
  // dictionary, if it has one).
  Status Read(const SegmentEntry& e, const Cipher* cipher, std::string* raw) {
    std::unique_ptr<RandomAccessFile> file;
    Status s = fs_->NewRandomAccessFile(path_, &file);
    uint64_t size = 0;
    if (s.ok()) s = fs_->GetFileSize(path_, &size);
    std::shared_ptr<const ZstdDictionary> dict;
    if (s.ok()) s = ReadSegmentDictionary(*file, size, cipher, &dict);
    if (s.ok()) s = ReadBlock(*file, e.block_offset, e.block_length, cipher, raw, dict.get());
    return s;
  }

  // Checks every entry against its input and the bytes it locates.
  void ExpectEntriesLocateRecords(const std::vector<SegmentEntry>& entries,
                                  const std::vector<Input>& inputs, const Cipher* cipher) {
    ASSERT_EQ(entries.size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const SegmentEntry& e = entries[i];
      EXPECT_EQ(e.id, inputs[i].id);
      EXPECT_EQ(e.seq, inputs[i].seq);
      EXPECT_EQ(e.version, inputs[i].version);
      EXPECT_EQ(e.flags, inputs[i].flags);
      EXPECT_EQ(e.inner_length, inputs[i].bytes.size());
      std::string raw;
      Status s = Read(e, cipher, &raw);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_GE(e.inner_offset, 4u);
      ASSERT_LE(uint64_t{e.inner_offset} + e.inner_length, raw.size());
      EXPECT_EQ(raw.substr(e.inner_offset, e.inner_length), inputs[i].bytes) << e.id;
      // Each record is preceded by its u32 length.
      EXPECT_EQ(DecodeFixed32(raw.data() + e.inner_offset - 4), e.inner_length);
    }
  }

  static std::vector<SegmentEntry> Scan(std::string_view contents, const Cipher* cipher,
                                        std::vector<uint64_t>* bad_offsets) {
    std::vector<SegmentEntry> entries;
    Status s =
        ScanSegmentBlocks(contents, cipher, &entries, [&](uint64_t offset, uint64_t, const Status& st) {
          EXPECT_TRUE(st.IsCorruption()) << st.ToString();
          bad_offsets->push_back(offset);
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return entries;
  }

  // The distinct data block offsets of entries, in file order.
  static std::vector<uint64_t> BlockOffsets(const std::vector<SegmentEntry>& entries) {
    std::vector<uint64_t> offsets;
    for (const SegmentEntry& e : entries) {
      if (offsets.empty() || offsets.back() != e.block_offset) offsets.push_back(e.block_offset);
    }
    return offsets;
  }

  test::TempDir dir_;
  FileSystem* fs_;
  std::string path_;
};

// One combination of compression level and encryption.
struct SegmentParam {
  int level;
  bool encrypted;
  CompressionCodec codec = CompressionCodec::kLzma;
};

class SegmentRoundTripTest : public SegmentTest,
                             public ::testing::WithParamInterface<SegmentParam> {
 protected:
  void SetUp() override {
    if (GetParam().encrypted) {
      ASSERT_TRUE(Cipher::Create("segment passphrase", FastKdf(), &cipher_).ok());
    }
  }
  const Cipher* cipher() const { return GetParam().encrypted ? &cipher_ : nullptr; }

  // The footer, and a walk over the blocks, both give back what was written.
  void ExpectFooterAndScanGive(const std::vector<SegmentEntry>& written) {
    std::vector<SegmentEntry> from_footer;
    Status s = ReadFooter(cipher(), &from_footer);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ExpectSameEntries(from_footer, written);
    std::vector<uint64_t> bad;
    ExpectSameEntries(Scan(Contents(), cipher(), &bad), written);
    EXPECT_TRUE(bad.empty());
  }

  Cipher cipher_;
};

// The entries written anywhere but in the block at block_offset: what a walk
// over a segment with that block damaged must still recover.
std::vector<SegmentEntry> EntriesOutsideBlock(const std::vector<SegmentEntry>& written,
                                              uint64_t block_offset) {
  std::vector<SegmentEntry> kept;
  for (const SegmentEntry& e : written) {
    if (e.block_offset != block_offset) kept.push_back(e);
  }
  return kept;
}

TEST_P(SegmentRoundTripTest, FooterAndScanReturnWhatWasAdded) {
  for (bool compressible : {true, false}) {
    SCOPED_TRACE(compressible ? "compressible" : "random");
    const std::vector<Input> inputs = MakeInputs(40, compressible);
    const std::vector<SegmentEntry> written =
        Write("rt.seg", inputs, GetParam().level, cipher(), 64 * 1024, GetParam().codec);
    ExpectEntriesLocateRecords(written, inputs, cipher());
    ASSERT_EQ(BlockOffsets(written).size(), 1u) << "everything fits one 64 KiB block";
    EXPECT_EQ(written[0].block_offset, 0u);

    ExpectFooterAndScanGive(written);
  }
}

TEST_P(SegmentRoundTripTest, SmallBlockSizeMakesSeveralBlocks) {
  const std::vector<Input> inputs = MakeInputs(50, true);
  const uint32_t block_size = 512;
  const std::vector<SegmentEntry> written =
      Write("multi.seg", inputs, GetParam().level, cipher(), block_size, GetParam().codec);
  ExpectEntriesLocateRecords(written, inputs, cipher());

  // A block is closed once its raw size reaches block_size: every block but
  // the last holds at least block_size raw bytes, and less than that plus one
  // record.
  std::map<uint64_t, uint64_t> raw_size;  // block offset -> sum of (4 + record)
  std::map<uint64_t, uint64_t> largest;
  std::map<uint64_t, uint64_t> length;
  for (const SegmentEntry& e : written) {
    raw_size[e.block_offset] += 4 + e.inner_length;
    largest[e.block_offset] = std::max<uint64_t>(largest[e.block_offset], 4 + e.inner_length);
    length[e.block_offset] = e.block_length;
  }
  std::vector<uint64_t> offsets = BlockOffsets(written);
  ASSERT_GT(offsets.size(), 5u);
  for (size_t b = 0; b + 1 < offsets.size(); ++b) {
    EXPECT_GE(raw_size[offsets[b]], block_size) << "block " << b;
    EXPECT_LT(raw_size[offsets[b]], block_size + largest[offsets[b]]) << "block " << b;
    // Blocks are contiguous.
    EXPECT_EQ(offsets[b + 1], offsets[b] + length[offsets[b]]) << "block " << b;
  }

  ExpectFooterAndScanGive(written);
}

TEST_P(SegmentRoundTripTest, BlockHeadersCarryTheCodec) {
  const std::vector<Input> inputs = MakeInputs(20, true);
  const std::vector<SegmentEntry> written =
      Write("codec.seg", inputs, GetParam().level, cipher(), 64 * 1024, GetParam().codec);
  const std::string contents = Contents();
  uint8_t codec = static_cast<uint8_t>(contents[written[0].block_offset + 4]);
  const uint8_t compressor =
      GetParam().codec == CompressionCodec::kZstd ? kCodecZstd : kCodecLzma;
  EXPECT_EQ((codec & compressor) != 0, GetParam().level > 0) << "compressible data";
  EXPECT_EQ((codec & kCodecSealed) != 0, GetParam().encrypted);
  EXPECT_EQ(codec & ~(compressor | kCodecSealed), 0) << "too few records for a dictionary";
  if (!GetParam().encrypted) {
    // Not sealed: ids are visible in the file only when not compressed.
    EXPECT_EQ(contents.find("id-0007") != std::string::npos, GetParam().level == 0);
  } else {
    EXPECT_EQ(contents.find("id-0007"), std::string::npos) << "an id leaked from a sealed block";
  }
}

// The prefix keeps the instances under --gtest_filter='Segment*'.
INSTANTIATE_TEST_SUITE_P(SegmentLevelsAndCipher, SegmentRoundTripTest,
                         ::testing::Values(SegmentParam{0, false}, SegmentParam{1, false},
                                           SegmentParam{6, false}, SegmentParam{0, true},
                                           SegmentParam{1, true}, SegmentParam{6, true},
                                           SegmentParam{3, false, CompressionCodec::kZstd},
                                           SegmentParam{9, false, CompressionCodec::kZstd},
                                           SegmentParam{3, true, CompressionCodec::kZstd}),
                         [](const ::testing::TestParamInfo<SegmentParam>& info) {
                           return std::string(info.param.codec == CompressionCodec::kZstd
                                                  ? "Zstd"
                                                  : "") +
                                  "Level" + std::to_string(info.param.level) +
                                  (info.param.encrypted ? "Encrypted" : "Plain");
                         });

// Enough records to train a dictionary on: the segment starts with it, and
// every data block is compressed with it.
TEST_F(SegmentTest, ZstdSegmentsCarryATrainedDictionary) {
  for (bool encrypted : {false, true}) {
    SCOPED_TRACE(encrypted ? "encrypted" : "plain");
    Cipher cipher;
    ASSERT_TRUE(Cipher::Create("segment passphrase", FastKdf(), &cipher).ok());
    const Cipher* c = encrypted ? &cipher : nullptr;
    const std::vector<Input> inputs = MakeInputs(3000, true);
    const std::vector<SegmentEntry> written =
        Write("dict.seg", inputs, 3, c, 4096, CompressionCodec::kZstd);
    const std::string contents = Contents();
    ASSERT_EQ(DecodeFixed32(contents.data()), kDictionaryBlockMagic);
    EXPECT_EQ(static_cast<uint8_t>(contents[4]), encrypted ? kCodecSealed : 0);
    const uint8_t data_codec = static_cast<uint8_t>(contents[written[0].block_offset + 4]);
    EXPECT_EQ(data_codec & (kCodecZstd | kCodecWithDictionary),
              kCodecZstd | kCodecWithDictionary);
    EXPECT_GT(written[0].block_offset, kBlockHeaderSize) << "the dictionary comes first";
    if (encrypted) {
      EXPECT_EQ(contents.find("digits"), std::string::npos) << "dictionary leaked";
    }
    ExpectEntriesLocateRecords(written, inputs, c);
    std::vector<SegmentEntry> from_footer;
    ASSERT_TRUE(ReadFooter(c, &from_footer).ok());
    ExpectSameEntries(from_footer, written);
    std::vector<uint64_t> bad;
    ExpectSameEntries(Scan(contents, c, &bad), written);
    EXPECT_TRUE(bad.empty());
    // Each record holds a SHA-256 (32 random bytes of its ~120): compressed
    // blocks under half the raw size mean the dictionary did its work.
    uint64_t raw = 0, stored = 0;
    for (const Input& in : inputs) raw += in.bytes.size();
    for (uint64_t offset : BlockOffsets(written)) {
      for (const SegmentEntry& e : written) {
        if (e.block_offset == offset) {
          stored += e.block_length;
          break;
        }
      }
    }
    EXPECT_LT(stored, raw / 2) << "4 KiB blocks with a dictionary compress well";
  }
}

// A damaged dictionary makes the blocks that need it unreadable: each read
// and the walk report it; nothing is returned as data.
TEST_F(SegmentTest, DamagedDictionaryIsReportedByEveryBlockThatNeedsIt) {
  const std::vector<Input> inputs = MakeInputs(3000, true);
  const std::vector<SegmentEntry> written =
      Write("dict.seg", inputs, 3, nullptr, 4096, CompressionCodec::kZstd);
  std::string contents = Contents();
  ASSERT_EQ(DecodeFixed32(contents.data()), kDictionaryBlockMagic);
  contents[kBlockHeaderSize + 100] ^= 0x20;
  Overwrite(contents);
  std::unique_ptr<RandomAccessFile> file;
  ASSERT_TRUE(fs_->NewRandomAccessFile(path_, &file).ok());
  std::shared_ptr<const ZstdDictionary> dict;
  Status s = ReadSegmentDictionary(*file, contents.size(), nullptr, &dict);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(dict, nullptr);
  std::string raw;
  s = Read(written.back(), nullptr, &raw);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  s = ReadBlock(*file, written[0].block_offset, written[0].block_length, nullptr, &raw);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("dictionary"), std::string::npos) << s.ToString();
  // The footer still lists every record; the walk finds none of them.
  std::vector<SegmentEntry> from_footer;
  ASSERT_TRUE(ReadFooter(nullptr, &from_footer).ok());
  EXPECT_EQ(from_footer.size(), written.size());
  std::vector<uint64_t> bad;
  EXPECT_TRUE(Scan(contents, nullptr, &bad).empty());
  ASSERT_FALSE(bad.empty());
  EXPECT_EQ(bad[0], 0u);
}

TEST_F(SegmentTest, IncompressibleBlockIsStoredPlain) {
  // With compression on, a block that LZMA does not shrink is stored as is.
  std::string random_record(3000, '\0');
  std::mt19937 rng(9);
  for (char& c : random_record) c = static_cast<char>(rng());
  std::vector<Input> inputs = {{"r", 1, 1, 0, random_record}};
  const std::vector<SegmentEntry> written = Write("plain.seg", inputs, 6, nullptr, 64 * 1024);
  EXPECT_EQ(Contents()[written[0].block_offset + 4], 0) << "codec byte";
  EXPECT_EQ(written[0].block_length, kBlockHeaderSize + 4 + random_record.size());
}

TEST_F(SegmentTest, LargeBlocksAreSampledBeforeCompression) {
  // A large block of random bytes is stored as is without compressing it
  // whole; a large block of text is still compressed.
  std::string noise(512 * 1024, '\0');
  std::mt19937 rng(10);
  for (char& c : noise) c = static_cast<char>(rng());
  std::string text;
  while (text.size() < noise.size()) {
    text += "{\"digits\":\"3.1415926535\",\"n\":" + std::to_string(text.size() % 977) + "}";
  }
  std::vector<Input> inputs = {{"noise", 1, 1, 0, noise}, {"text", 2, 1, 0, text}};
  const std::vector<SegmentEntry> written = Write("sampled.seg", inputs, 6, nullptr, 64 * 1024);
  EXPECT_EQ(Contents()[written[0].block_offset + 4], 0) << "codec byte";
  EXPECT_EQ(Contents()[written[1].block_offset + 4], static_cast<char>(kCodecLzma));
  EXPECT_LT(written[1].block_length, text.size() / 4);
}

TEST_F(SegmentTest, EmptySegmentHasOnlyFooterAndTrailer) {
  const std::vector<SegmentEntry> written = Write("empty.seg", {}, 1, nullptr, 4096);
  EXPECT_TRUE(written.empty());
  std::vector<SegmentEntry> from_footer = {SegmentEntry()};
  ASSERT_TRUE(ReadFooter(nullptr, &from_footer).ok());
  EXPECT_TRUE(from_footer.empty());
  std::vector<uint64_t> bad;
  EXPECT_TRUE(Scan(Contents(), nullptr, &bad).empty());
  EXPECT_TRUE(bad.empty());
}

TEST_F(SegmentTest, TrailerLayout) {
  const std::vector<Input> inputs = MakeInputs(3, true);
  Write("layout.seg", inputs, 0, nullptr, 4096);
  const std::string contents = Contents();
  ASSERT_GE(contents.size(), kSegmentTrailerSize);
  const char* t = contents.data() + contents.size() - kSegmentTrailerSize;
  const uint64_t footer_offset = DecodeFixed64(t);
  const uint32_t footer_length = DecodeFixed32(t + 8);
  EXPECT_EQ(footer_offset + footer_length + kSegmentTrailerSize, contents.size());
  EXPECT_EQ(DecodeFixed32(t + 12), 3u);  // entry_count
  EXPECT_EQ(DecodeFixed32(t + 20), 0u);
  EXPECT_EQ(std::string(t + 24, 8), "SPIRASEG");
  EXPECT_EQ(DecodeFixed32(contents.data() + footer_offset), kFooterBlockMagic);
  EXPECT_EQ(DecodeFixed32(contents.data()), kDataBlockMagic);
}

TEST_F(SegmentTest, CompressedSegmentsHaveLzmaDataAndDeflateFooter) {
  const std::vector<Input> inputs = MakeInputs(200, true);
  const std::vector<SegmentEntry> written = Write("codecs.seg", inputs, 3, nullptr, 4096);
  const std::string contents = Contents();
  const char* t = contents.data() + contents.size() - kSegmentTrailerSize;
  const uint64_t footer_offset = DecodeFixed64(t);
  EXPECT_EQ(contents[footer_offset + 4], kCodecDeflate) << "footer codec byte";
  EXPECT_EQ(contents[written[0].block_offset + 4], kCodecLzma) << "data block codec byte";
  std::vector<SegmentEntry> from_footer;
  ASSERT_TRUE(ReadFooter(nullptr, &from_footer).ok());
  ExpectSameEntries(from_footer, written);
}

TEST_F(SegmentTest, VersionOneFootersStillRead) {
  // Rewrite a level-0 segment's footer as format version 1 wrote it: no
  // layout prefix, no block lengths (readers take them from block headers).
  const std::vector<Input> inputs = MakeInputs(50, true);
  const std::vector<SegmentEntry> written = Write("v1.seg", inputs, 0, nullptr, 4096);
  const std::string v2 = Contents();
  const uint64_t footer_offset = DecodeFixed64(v2.data() + v2.size() - kSegmentTrailerSize);
  std::string footer;
  for (const SegmentEntry& e : written) {
    PutLengthPrefixed(&footer, e.id);
    PutFixed64(&footer, e.seq);
    PutFixed64(&footer, e.version);
    footer.push_back(static_cast<char>(e.flags));
    PutFixed64(&footer, e.block_offset);
    PutFixed32(&footer, e.inner_offset);
    PutFixed32(&footer, e.inner_length);
  }
  std::string v1 = v2.substr(0, footer_offset);
  PutFixed32(&v1, kFooterBlockMagic);
  v1.push_back('\0');  // codec: none
  PutFixed32(&v1, static_cast<uint32_t>(footer.size()));
  PutFixed32(&v1, static_cast<uint32_t>(footer.size()));
  PutFixed32(&v1, Crc32(footer));
  v1 += footer;
  std::string trailer;
  PutFixed64(&trailer, footer_offset);
  PutFixed32(&trailer, static_cast<uint32_t>(v1.size() - footer_offset));
  PutFixed32(&trailer, static_cast<uint32_t>(written.size()));
  PutFixed32(&trailer, Crc32(trailer));
  PutFixed32(&trailer, 0);
  trailer += v2.substr(v2.size() - 8);  // the magic
  Overwrite(v1 + trailer);
  std::vector<SegmentEntry> from_footer;
  Status s = ReadFooter(nullptr, &from_footer);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSameEntries(from_footer, written);
}

TEST_F(SegmentTest, FooterBlockLengthsAreChecked) {
  // A footer (intact CRC) whose block length runs into the footer is refused.
  const std::vector<Input> inputs = MakeInputs(3, true);
  Write("len.seg", inputs, 0, nullptr, 4096);
  std::string contents = Contents();
  const uint64_t footer_offset =
      DecodeFixed64(contents.data() + contents.size() - kSegmentTrailerSize);
  const size_t raw_start = footer_offset + kBlockHeaderSize;
  ASSERT_EQ(contents[raw_start], '\0');
  ASSERT_EQ(contents[raw_start + 1], static_cast<char>(kFooterLayoutWithBlockLengths));
  // The first entry's block_length: after the prefix, id, seq, version, flags, offset.
  const size_t id_len = static_cast<unsigned char>(contents[raw_start + 2]);
  const size_t at = raw_start + 2 + 1 + id_len + 8 + 8 + 1 + 8;
  EncodeFixed32(contents.data() + at, static_cast<uint32_t>(footer_offset + 1));
  const std::string_view stored(contents.data() + raw_start,
                                DecodeFixed32(contents.data() + footer_offset + 5));
  EncodeFixed32(contents.data() + footer_offset + 13, Crc32(stored));
  Overwrite(contents);
  std::vector<SegmentEntry> from_footer;
  EXPECT_TRUE(ReadFooter(nullptr, &from_footer).IsCorruption());
}

TEST_F(SegmentTest, EncryptedSegmentNeedsTheRightCipher) {
  Cipher cipher, other;
  ASSERT_TRUE(Cipher::Create("right", FastKdf(), &cipher).ok());
  ASSERT_TRUE(Cipher::Create("wrong", FastKdf(), &other).ok());
  const std::vector<Input> inputs = MakeInputs(10, true);
  const std::vector<SegmentEntry> written = Write("enc.seg", inputs, 1, &cipher, 4096);
  std::vector<SegmentEntry> entries;
  EXPECT_TRUE(ReadFooter(nullptr, &entries).IsCorruption());
  EXPECT_TRUE(ReadFooter(&other, &entries).IsCorruption());
  std::string raw;
  EXPECT_TRUE(Read(written[0], nullptr, &raw).IsCorruption());
  EXPECT_TRUE(Read(written[0], &other, &raw).IsCorruption());
  ASSERT_TRUE(ReadFooter(&cipher, &entries).ok());
  ExpectSameEntries(entries, written);
}

TEST_F(SegmentTest, DamagedTrailerIsCorruptionAndScanRecoversEverything) {
  const std::vector<Input> inputs = MakeInputs(30, true);
  const std::vector<SegmentEntry> written = Write("trailer.seg", inputs, 1, nullptr, 512);
  const std::string good = Contents();
  const size_t trailer = good.size() - kSegmentTrailerSize;
  for (size_t i = trailer; i < good.size(); ++i) {
    if (i >= trailer + 20 && i < trailer + 24) continue;  // the unchecked zero field
    std::string damaged = good;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    Overwrite(damaged);
    std::vector<SegmentEntry> entries;
    Status s = ReadFooter(nullptr, &entries);
    EXPECT_TRUE(s.IsCorruption()) << "trailer byte " << i - trailer << ": " << s.ToString();
    EXPECT_TRUE(entries.empty());
    std::vector<uint64_t> bad;
    ExpectSameEntries(Scan(damaged, nullptr, &bad), written);
    EXPECT_TRUE(bad.empty());
  }
  // A segment cut short has no trailer at all.
  Overwrite(good.substr(0, good.size() - 1));
  std::vector<SegmentEntry> entries;
  EXPECT_TRUE(ReadFooter(nullptr, &entries).IsCorruption());
  Overwrite(good.substr(0, 10));
  EXPECT_TRUE(ReadFooter(nullptr, &entries).IsCorruption());
}

TEST_F(SegmentTest, EntryCountBeyondTheFooterIsCorruption) {
  // Found by fuzz/segment_fuzzer: a trailer with an intact CRC but a huge
  // entry count made the footer reader reserve 2^32 entries (std::bad_alloc,
  // which ended the process) before parsing any of them.
  const std::vector<Input> inputs = MakeInputs(3, true);
  Write("count.seg", inputs, 0, nullptr, 4096);
  std::string contents = Contents();
  for (uint32_t count : {4u, 1000u, 0xffffffffu}) {
    char* t = contents.data() + contents.size() - kSegmentTrailerSize;
    EncodeFixed32(t + 12, count);
    EncodeFixed32(t + 16, Crc32(std::string_view(t, 16)));
    Overwrite(contents);
    std::vector<SegmentEntry> entries;
    Status s = ReadFooter(nullptr, &entries);
    EXPECT_TRUE(s.IsCorruption()) << count << ": " << s.ToString();
    EXPECT_TRUE(entries.empty());
  }
}

TEST_F(SegmentTest, DamagedFooterIsCorruptionAndScanRecoversEverything) {
  for (bool encrypted : {false, true}) {
    SCOPED_TRACE(encrypted ? "encrypted" : "plain");
    Cipher cipher;
    ASSERT_TRUE(Cipher::Create("pw", FastKdf(), &cipher).ok());
    const Cipher* c = encrypted ? &cipher : nullptr;
    const std::vector<Input> inputs = MakeInputs(30, true);
    const std::vector<SegmentEntry> written = Write("footer.seg", inputs, 1, c, 512);
    const std::string good = Contents();
    const uint64_t footer_offset = DecodeFixed64(good.data() + good.size() - kSegmentTrailerSize);
    // Damage in the footer's stored bytes (first, middle, last).
    const uint64_t stored = footer_offset + kBlockHeaderSize;
    const uint64_t end = good.size() - kSegmentTrailerSize;
    for (uint64_t at : {stored, (stored + end) / 2, end - 1}) {
      std::string damaged = good;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
      Overwrite(damaged);
      std::vector<SegmentEntry> entries;
      Status s = ReadFooter(c, &entries);
      EXPECT_TRUE(s.IsCorruption()) << "byte " << at << ": " << s.ToString();
      EXPECT_TRUE(entries.empty());
      std::vector<uint64_t> bad;
      ExpectSameEntries(Scan(damaged, c, &bad), written);
      EXPECT_TRUE(bad.empty()) << "the footer is not a data block";
    }
  }
}

TEST_F(SegmentTest, DamagedDataBlockIsReportedAndOtherBlocksRecovered) {
  for (int level : {0, 1}) {
    SCOPED_TRACE("level " + std::to_string(level));
    const std::vector<Input> inputs = MakeInputs(40, true);
    const std::vector<SegmentEntry> written = Write("block.seg", inputs, level, nullptr, 512);
    const std::vector<uint64_t> offsets = BlockOffsets(written);
    ASSERT_GE(offsets.size(), 3u);
    const uint64_t victim = offsets[1];
    const std::string good = Contents();
    std::string damaged = good;
    damaged[victim + kBlockHeaderSize + 5] ^= 0x01;  // a stored byte: fails the CRC
    Overwrite(damaged);

    // The footer is intact, and points at the damaged block.
    std::vector<SegmentEntry> from_footer;
    ASSERT_TRUE(ReadFooter(nullptr, &from_footer).ok());
    ExpectSameEntries(from_footer, written);
    for (const SegmentEntry& e : written) {
      std::string raw;
      Status s = Read(e, nullptr, &raw);
      if (e.block_offset == victim) {
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
        EXPECT_NE(s.message().find(std::to_string(victim)), std::string::npos)
            << "the message names the block's offset: " << s.message();
      } else {
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    }

    // The walk reports the block and keeps every other block's records.
    std::vector<uint64_t> bad;
    std::vector<SegmentEntry> scanned = Scan(damaged, nullptr, &bad);
    EXPECT_EQ(bad, std::vector<uint64_t>{victim});
    ExpectSameEntries(scanned, EntriesOutsideBlock(written, victim));
  }
}

TEST_F(SegmentTest, DamagedBlockHeaderIsReportedAndTheWalkResynchronizes) {
  const std::vector<Input> inputs = MakeInputs(40, true);
  const std::vector<SegmentEntry> written = Write("header.seg", inputs, 0, nullptr, 512);
  const std::vector<uint64_t> offsets = BlockOffsets(written);
  ASSERT_GE(offsets.size(), 3u);
  const uint64_t victim = offsets[1];
  std::string damaged = Contents();
  damaged[victim] = 'X';  // the magic
  std::vector<uint64_t> bad;
  std::vector<SegmentEntry> scanned = Scan(damaged, nullptr, &bad);
  ASSERT_FALSE(bad.empty());
  EXPECT_EQ(bad[0], victim);
  ExpectSameEntries(scanned, EntriesOutsideBlock(written, victim));
}

// A data block whose magic turns into the footer magic ("SPIB" and "SPIF"
// differ in one bit) must not end the walk silently: the blocks after it are
// intact and must be recovered; the block itself recovered or reported.
TEST_F(SegmentTest, DataBlockMagicFlippedToFooterMagicDoesNotEndTheWalk) {
  const std::vector<Input> inputs = MakeInputs(40, true);
  const std::vector<SegmentEntry> written = Write("magic.seg", inputs, 0, nullptr, 512);
  const std::vector<uint64_t> offsets = BlockOffsets(written);
  ASSERT_GE(offsets.size(), 3u);
  const uint64_t victim = offsets[1];
  std::string damaged = Contents();
  damaged[victim + 3] ^= 'B' ^ 'F';
  ASSERT_EQ(DecodeFixed32(damaged.data() + victim), kFooterBlockMagic);
  std::vector<uint64_t> bad;
  std::vector<SegmentEntry> scanned = Scan(damaged, nullptr, &bad);
  // Its stored bytes pass their CRC, so its records may be recovered too.
  const bool victim_recovered =
      std::any_of(scanned.begin(), scanned.end(),
                  [&](const SegmentEntry& e) { return e.block_offset == victim; });
  if (!victim_recovered) {
    EXPECT_NE(std::find(bad.begin(), bad.end(), victim), bad.end())
        << "block " << victim << " was neither recovered nor reported";
  }
  std::vector<SegmentEntry> expected;
  for (const SegmentEntry& e : written) {
    if (e.block_offset != victim || victim_recovered) expected.push_back(e);
  }
  EXPECT_EQ(scanned.size(), expected.size())
      << "the walk stopped at block " << victim << ": recovered " << scanned.size() << " of "
      << written.size() << " records";
  ExpectSameEntries(scanned, expected);
}

// The block header is outside the CRC. A damaged stored_len that still fits
// in the file makes the block fail its CRC; the walk must then not trust that
// length to find the next block, or it skips intact blocks.
TEST_F(SegmentTest, DamagedStoredLengthDoesNotHideTheNextBlock) {
  const std::vector<Input> inputs = MakeInputs(40, true);
  const std::vector<SegmentEntry> written = Write("len.seg", inputs, 0, nullptr, 512);
  const std::vector<uint64_t> offsets = BlockOffsets(written);
  ASSERT_GE(offsets.size(), 4u);
  const uint64_t victim = offsets[1];
  std::string damaged = Contents();
  damaged[victim + 5] ^= 0x01;  // stored_len off by one
  std::vector<uint64_t> bad;
  std::vector<SegmentEntry> scanned = Scan(damaged, nullptr, &bad);
  ASSERT_FALSE(bad.empty());
  EXPECT_EQ(bad[0], victim);
  ExpectSameEntries(scanned, EntriesOutsideBlock(written, victim));
}

// Exhaustive single-byte damage of a small segment, in memory. For every
// flipped byte: nothing crashes; the footer read either fails or yields the
// written entries (block lengths may follow a damaged block header); a block
// read through an entry either fails or returns the exact record; and the
// block walk loses only records of the damaged block, reporting it.
TEST_F(SegmentTest, SingleByteDamageAnywhereIsContained) {
  Cipher cipher;
  ASSERT_TRUE(Cipher::Create("pw", FastKdf(), &cipher).ok());
  for (int variant = 0; variant < 3; ++variant) {
    const int level = variant == 1 ? 1 : 0;
    const Cipher* c = variant == 2 ? &cipher : nullptr;
    SCOPED_TRACE(variant == 0 ? "stored plain" : variant == 1 ? "LZMA level 1" : "encrypted");
    const std::vector<Input> inputs = MakeInputs(12, true);
    const std::vector<SegmentEntry> written = Write("flip.seg", inputs, level, c, 300);
    const std::string good = Contents();
    const std::vector<uint64_t> offsets = BlockOffsets(written);
    ASSERT_GE(offsets.size(), 3u);
    const uint64_t footer_offset = DecodeFixed64(good.data() + good.size() - kSegmentTrailerSize);
    std::map<std::pair<std::string, uint64_t>, size_t> index_of;  // (id, seq) -> input
    for (size_t i = 0; i < written.size(); ++i) index_of[{written[i].id, written[i].seq}] = i;

    std::set<std::string> failures;  // one line per kind of failure, to keep output short
    for (size_t at = 0; at < good.size(); ++at) {
      // The data block holding `at`, if any.
      uint64_t hit_block = UINT64_MAX;
      for (uint64_t off : offsets) {
        if (at >= off && at < footer_offset) hit_block = off;
      }
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x04}, uint8_t{0x80}}) {
        std::string damaged = good;
        damaged[at] = static_cast<char>(damaged[at] ^ mask);
        StringFile file(damaged);
        const std::string where =
            " (byte " + std::to_string(at) + " mask " + std::to_string(mask) + ")";

        std::vector<SegmentEntry> from_footer;
        if (ReadSegmentFooter(file, damaged.size(), c, &from_footer).ok()) {
          if (from_footer.size() != written.size()) {
            failures.insert("footer read OK with a different entry count" + where);
            continue;
          }
          std::map<uint64_t, std::pair<Status, std::string>> blocks;  // read each block once
          for (size_t i = 0; i < written.size(); ++i) {
            SegmentEntry e = from_footer[i];
            e.block_length = written[i].block_length;
            if (!SameEntry(e, written[i])) {
              failures.insert("footer read OK with a changed entry" + where);
            }
            auto [it, fresh] = blocks.try_emplace(from_footer[i].block_offset);
            if (fresh) {
              it->second.first = ReadBlock(file, from_footer[i].block_offset,
                                           from_footer[i].block_length, c, &it->second.second);
            }
            if (it->second.first.ok() &&
                it->second.second.substr(e.inner_offset, e.inner_length) != inputs[i].bytes) {
              failures.insert("block read OK with changed record bytes" + where);
            }
          }
        }

        std::vector<uint64_t> bad;
        std::vector<SegmentEntry> scanned = Scan(damaged, c, &bad);
        std::set<size_t> recovered;
        for (const SegmentEntry& e : scanned) {
          auto it = index_of.find({e.id, e.seq});
          if (it == index_of.end() || !SameEntry(e, written[it->second])) {
            failures.insert("walk recovered an entry that was not written" + where);
            continue;
          }
          recovered.insert(it->second);
        }
        for (size_t i = 0; i < written.size(); ++i) {
          if (recovered.count(i) != 0) continue;
          if (written[i].block_offset != hit_block) {
            failures.insert("walk lost a record of an intact block" + where);
          } else if (std::find(bad.begin(), bad.end(), hit_block) == bad.end()) {
            failures.insert("walk lost a record without reporting its block" + where);
          }
        }
      }
    }
    EXPECT_TRUE(failures.empty()) << failures.size() << " failures, e.g.:\n"
                                  << [&] {
                                       std::string lines;
                                       int n = 0;
                                       for (const std::string& f : failures) {
                                         if (n++ == 12) break;
                                         lines += "  " + f + "\n";
                                       }
                                       return lines;
                                     }();
  }
}

}  // namespace
}  // namespace spirapi
