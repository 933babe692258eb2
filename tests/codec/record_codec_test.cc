// Tests for codec/record_codec.h: the stored form of a record version and its
// SHA-256 checksum.

#include "codec/record_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/coding.h"

namespace spirapi {
namespace {

// Byte offsets in the encoding (format, component, flags, seq, ...).
constexpr size_t kFlagsOffset = 2;
constexpr size_t kSeqOffset = 3;
constexpr size_t kSeqBytes = 8;

RecordView SampleRecord() {
  RecordView r;
  r.component = Component::kQuery;
  r.flags = 0;
  r.seq = 0x0102030405060708ull;
  r.version = 42;
  r.timestamp_us = 1700000000123456;
  r.id = "query/\xc3\xa9t\xc3\xa9";
  r.data = R"({"q":"SELECT 1","rows":[1,2,3]})";
  r.metadata = R"({"user":"alice"})";
  return r;
}

std::string Encode(const RecordView& r) {
  std::string out;
  EncodeRecord(r, &out);
  return out;
}

void ExpectSameFields(const RecordView& got, const RecordView& want) {
  EXPECT_EQ(got.component, want.component);
  EXPECT_EQ(got.flags, want.flags);
  EXPECT_EQ(got.seq, want.seq);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.timestamp_us, want.timestamp_us);
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.data, want.data);
  EXPECT_EQ(got.metadata, want.metadata);
  EXPECT_EQ(got.blob, want.blob);
}

TEST(RecordCodecTest, RoundTripsEveryField) {
  const RecordView r = SampleRecord();
  const std::string bytes = Encode(r);
  RecordView got;
  ASSERT_TRUE(DecodeRecord(bytes, &got).ok());
  ExpectSameFields(got, r);
  EXPECT_EQ(got.checksum, RecordChecksum(r));
  EXPECT_TRUE(ChecksumMatches(got));
  EXPECT_FALSE(got.tombstone());
  // The views point into the decoded buffer; nothing is copied.
  EXPECT_GE(got.data.data(), bytes.data());
  EXPECT_LE(got.data.data() + got.data.size(), bytes.data() + bytes.size());
}

TEST(RecordCodecTest, EncodeAppends) {
  const RecordView r = SampleRecord();
  std::string out = "xyz";
  EncodeRecord(r, &out);
  EXPECT_EQ(out.substr(0, 3), "xyz");
  EXPECT_EQ(out.substr(3), Encode(r));
}

TEST(RecordCodecTest, RoundTripsTombstone) {
  RecordView r = SampleRecord();
  r.flags = kRecordTombstone;
  r.data = "";
  r.metadata = "";
  RecordView got;
  const std::string bytes = Encode(r);
  ASSERT_TRUE(DecodeRecord(bytes, &got).ok());
  ExpectSameFields(got, r);
  EXPECT_TRUE(got.tombstone());
  EXPECT_TRUE(ChecksumMatches(got));
}

TEST(RecordCodecTest, RoundTripsEveryComponentAndExtremeValues) {
  for (Component c : kAllComponents) {
    RecordView r = SampleRecord();
    r.component = c;
    r.seq = ~uint64_t{0};
    r.version = ~uint64_t{0};
    r.timestamp_us = -1;  // before the epoch: the sign must survive
    r.id = std::string_view("\0id", 3);
    const std::string long_data(70000, 'd');  // multi-byte varint lengths
    r.data = long_data;
    const std::string bytes = Encode(r);
    RecordView got;
    ASSERT_TRUE(DecodeRecord(bytes, &got).ok()) << ComponentName(c);
    ExpectSameFields(got, r);
    EXPECT_TRUE(ChecksumMatches(got));
  }
}

// The canonical encoding of a record without a blob (public: users verify
// StorageRecord::checksum): u32 len | id | type u8 | u32 len | data |
// u32 len | metadata | timestamp_us u64 | version u64, all little-endian.
std::string CanonicalWithoutBlob(const RecordView& r) {
  std::string canonical;
  PutFixed32(&canonical, static_cast<uint32_t>(r.id.size()));
  canonical.append(r.id);
  canonical.push_back(static_cast<char>(r.component));
  PutFixed32(&canonical, static_cast<uint32_t>(r.data.size()));
  canonical.append(r.data);
  PutFixed32(&canonical, static_cast<uint32_t>(r.metadata.size()));
  canonical.append(r.metadata);
  PutFixed64(&canonical, static_cast<uint64_t>(r.timestamp_us));
  PutFixed64(&canonical, r.version);
  return canonical;
}

TEST(RecordCodecTest, ChecksumIsSha256OfTheCanonicalEncoding) {
  const RecordView r = SampleRecord();
  const std::string canonical = CanonicalWithoutBlob(r);
  EXPECT_EQ(RecordChecksum(r), Sha256Of(canonical));
  // And it is what EncodeRecord stores, as the last 32 bytes.
  const std::string bytes = Encode(r);
  const Sha256Digest digest = Sha256Of(canonical);
  EXPECT_EQ(bytes.substr(bytes.size() - 32),
            std::string(reinterpret_cast<const char*>(digest.data()), 32));
}

TEST(RecordCodecTest, ChecksumCoversContentButNotSeq) {
  const RecordView base = SampleRecord();
  const Sha256Digest base_sum = RecordChecksum(base);
  struct Change {
    const char* what;
    void (*edit)(RecordView*);
  };
  const Change covered[] = {
      {"id", [](RecordView* r) { r->id = "other"; }},
      {"component", [](RecordView* r) { r->component = Component::kCache; }},
      {"data", [](RecordView* r) { r->data = R"({"q":"SELECT 2","rows":[1,2,3]})"; }},
      {"metadata", [](RecordView* r) { r->metadata = "{}"; }},
      {"timestamp", [](RecordView* r) { r->timestamp_us += 1; }},
      {"version", [](RecordView* r) { r->version += 1; }},
  };
  for (const Change& c : covered) {
    RecordView r = base;
    c.edit(&r);
    EXPECT_NE(RecordChecksum(r), base_sum) << c.what;
  }
  // seq is storage bookkeeping: the same version keeps its checksum when it
  // is rewritten under another sequence number.
  RecordView r = base;
  r.seq += 1000;
  EXPECT_EQ(RecordChecksum(r), base_sum);
}

TEST(RecordCodecTest, ChecksumSeparatesFieldBoundaries) {
  // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
  RecordView a = SampleRecord();
  a.id = "ab";
  a.data = "c";
  RecordView b = SampleRecord();
  b.id = "a";
  b.data = "bc";
  EXPECT_NE(RecordChecksum(a), RecordChecksum(b));
  a.data = "";
  a.metadata = "x";
  b.id = "ab";
  b.data = "x";
  b.metadata = "";
  EXPECT_NE(RecordChecksum(a), RecordChecksum(b));
}

TEST(RecordCodecTest, ChecksumMismatchIsDetected) {
  RecordView r = SampleRecord();
  const std::string bytes = Encode(r);
  RecordView got;
  ASSERT_TRUE(DecodeRecord(bytes, &got).ok());
  got.version += 1;
  EXPECT_FALSE(ChecksumMatches(got));
}

RecordView SmallRecord() {
  RecordView r = SampleRecord();
  r.id = "id-1";
  r.data = R"({"v":1})";
  r.metadata = "{}";
  return r;
}

// Every single-bit flip must be caught by DecodeRecord or by the checksum,
// except in seq and flags, which are deliberately outside the checksum (see
// docs/FORMAT.md; the journal frame and segment block CRCs cover them).
void ExpectEveryFlipOutsideSeqDetected(const RecordView& r) {
  const std::string bytes = Encode(r);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i >= kSeqOffset && i < kSeqOffset + kSeqBytes) continue;
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      RecordView got;
      Status s = DecodeRecord(damaged, &got);
      EXPECT_TRUE(!s.ok() || !ChecksumMatches(got)) << "byte " << i << " bit " << bit;
      if (!s.ok()) {
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      }
    }
  }
}

TEST(RecordCodecTest, FlippedBitOutsideSeqIsDetected) {
  ExpectEveryFlipOutsideSeqDetected(SmallRecord());
}

// The same for a record with a blob: a flipped blob byte fails the checksum.
TEST(RecordCodecTest, FlippedBitOutsideSeqIsDetectedWithBlob) {
  RecordView r = SmallRecord();
  r.blob = std::string_view("\x00\xff\x01b", 4);
  ExpectEveryFlipOutsideSeqDetected(r);
}

// docs/FORMAT.md: the checksum does not cover `flags` (bit 0 tombstone, other
// bits must be 0); the decoder checks instead that they agree with the
// contents (a tombstone has empty data and metadata, a stored record does
// not), so any flipped flag bit is detected.
TEST(RecordCodecTest, FlagsMustAgreeWithTheContents) {
  const std::string bytes = Encode(SmallRecord());
  for (int bit = 0; bit < 8; ++bit) {
    std::string flipped = bytes;
    flipped[kFlagsOffset] = static_cast<char>(flipped[kFlagsOffset] ^ (1 << bit));
    RecordView got;
    Status s = DecodeRecord(flipped, &got);
    EXPECT_TRUE(s.IsCorruption()) << "bit " << bit << ": " << s.ToString();
  }
}

// The record of the test vectors in docs/FORMAT.md, "Record checksum".
RecordView FormatDocumentRecord() {
  RecordView r;
  r.component = Component::kSchema;
  r.id = "a";
  r.data = "[1,2.50]";
  r.metadata = "{}";
  r.timestamp_us = 1700000000000000;
  r.version = 1;
  r.seq = 7;
  r.flags = 0;
  return r;
}

TEST(RecordCodecTest, MatchesTheFormatDocumentTestVector) {
  const RecordView r = FormatDocumentRecord();
  const Sha256Digest sum = RecordChecksum(r);
  EXPECT_EQ(ToHex(sum.data(), sum.size()),
            "5dc8965e3991a455d2134e0758de164d811ac02d867463d6814f18625ad4bf85");
  const std::string bytes = Encode(r);
  EXPECT_EQ(ToHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
            "0101000700000000000000010000000000000000401e18240a06000161085b312c322e35305d027b7d"
            "5dc8965e3991a455d2134e0758de164d811ac02d867463d6814f18625ad4bf85");
}

// The test vector for a record with a blob (format 2).
TEST(RecordCodecTest, MatchesTheFormatDocumentBlobTestVector) {
  RecordView r = FormatDocumentRecord();
  r.blob = std::string_view("\x00\xff*", 3);
  const Sha256Digest sum = RecordChecksum(r);
  EXPECT_EQ(ToHex(sum.data(), sum.size()),
            "f558ea163820c45ebbcb36ad401d868d75a80b001f9e3e8d91546df5b8a4f3c7");
  const std::string canonical_hex =
      "010000006101080000005b312c322e35305d020000007b7d00401e18240a0600010000000000000003000000"
      "00ff2a";
  std::string canonical;
  ASSERT_TRUE(FromHex(canonical_hex, &canonical));
  EXPECT_EQ(Sha256Of(canonical), sum);
  const std::string bytes = Encode(r);
  EXPECT_EQ(ToHex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
            "0201000700000000000000010000000000000000401e18240a06000161085b312c322e35305d027b7d"
            "0300ff2a"
            "f558ea163820c45ebbcb36ad401d868d75a80b001f9e3e8d91546df5b8a4f3c7");
}

RecordView WithBlob(std::string_view blob) {
  RecordView r = SampleRecord();
  r.blob = blob;
  return r;
}

TEST(RecordCodecTest, EmptyBlobIsFormatOneAsBefore) {
  // Format 1 as it was before blobs: the format 2 encoding of the same
  // record less its blob field and with format byte 1.
  const RecordView plain = SampleRecord();
  const std::string bytes = Encode(plain);
  EXPECT_EQ(bytes[0], 1);
  const std::string blob = "x";
  const std::string with_blob = Encode(WithBlob(blob));
  EXPECT_EQ(with_blob[0], 2);
  const size_t body = bytes.size() - 32;  // without the digest
  EXPECT_EQ(with_blob.substr(1, body - 1), bytes.substr(1, body - 1));
  EXPECT_EQ(with_blob.substr(body, 2), "\x01x");  // varint length, blob
  RecordView got;
  ASSERT_TRUE(DecodeRecord(bytes, &got).ok());
  EXPECT_TRUE(got.blob.empty());
}

TEST(RecordCodecTest, RoundTripsBlobs) {
  std::string binary;
  for (int i = 0; i < 1000; ++i) binary.push_back(static_cast<char>(i * 7));
  binary += std::string("\0\0\xff\xff", 4);
  const std::string max_blob(kMaxBlobBytes, '\xff');
  for (const std::string& blob : {std::string(1, '\0'), std::string("\xff"), binary, max_blob}) {
    const RecordView r = WithBlob(blob);
    const std::string bytes = Encode(r);
    EXPECT_EQ(bytes[0], 2);
    RecordView got;
    ASSERT_TRUE(DecodeRecord(bytes, &got).ok()) << blob.size();
    ExpectSameFields(got, r);
    EXPECT_TRUE(ChecksumMatches(got));
    StorageRecord out;
    ToStorageRecord(got, &out);
    EXPECT_EQ(out.blob, blob);
  }
}

TEST(RecordCodecTest, ChecksumCoversTheBlob) {
  // Canonical encoding with a blob: that of format 1, then u32 len | blob.
  const RecordView r = WithBlob(std::string_view("blob\0bytes", 10));
  std::string canonical = CanonicalWithoutBlob(r);
  PutFixed32(&canonical, static_cast<uint32_t>(r.blob.size()));
  canonical.append(r.blob);
  EXPECT_EQ(RecordChecksum(r), Sha256Of(canonical));
  EXPECT_NE(RecordChecksum(r), RecordChecksum(SampleRecord()));
  EXPECT_NE(RecordChecksum(r), RecordChecksum(WithBlob(std::string_view("blob\0bytez", 10))));

  // A flipped blob byte in the stored form decodes but fails the checksum.
  std::string bytes = Encode(r);
  const size_t at = bytes.find("bytes");
  ASSERT_NE(at, std::string::npos);
  bytes[at] ^= 0x01;
  RecordView got;
  ASSERT_TRUE(DecodeRecord(bytes, &got).ok());
  EXPECT_FALSE(ChecksumMatches(got));
}

TEST(RecordCodecTest, BlobMustAgreeWithFormatAndFlags) {
  // A tombstone never has a blob.
  RecordView tomb = WithBlob("b");
  tomb.flags = kRecordTombstone;
  tomb.data = "";
  tomb.metadata = "";
  RecordView got;
  EXPECT_TRUE(DecodeRecord(Encode(tomb), &got).IsCorruption());
  // A stored record always has data, even with metadata or a blob.
  RecordView no_data = WithBlob("b");
  no_data.data = "";
  EXPECT_TRUE(DecodeRecord(Encode(no_data), &got).IsCorruption());
  // Format 2 with an empty blob is not how any record is written.
  const std::string plain = Encode(SampleRecord());
  std::string empty_blob = plain;
  empty_blob[0] = 2;
  empty_blob.insert(plain.size() - 32, 1, '\0');
  EXPECT_TRUE(DecodeRecord(empty_blob, &got).IsCorruption());
  // A blob record read as format 1 (or the reverse) does not decode.
  std::string as_one = Encode(WithBlob("blob"));
  as_one[0] = 1;
  EXPECT_TRUE(DecodeRecord(as_one, &got).IsCorruption());
  std::string as_two = plain;
  as_two[0] = 2;
  EXPECT_TRUE(DecodeRecord(as_two, &got).IsCorruption());
}

TEST(RecordCodecTest, TruncatedOrExtendedInputFails) {
  const std::string bytes = Encode(SampleRecord());
  RecordView got;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    std::string truncated = bytes.substr(0, cut);
    EXPECT_TRUE(DecodeRecord(truncated, &got).IsCorruption()) << "cut at " << cut;
  }
  EXPECT_TRUE(DecodeRecord(bytes + '\0', &got).IsCorruption());
}

TEST(RecordCodecTest, UnknownFormatOrComponentFails) {
  const std::string bytes = Encode(SampleRecord());
  RecordView got;
  std::string bad_format = bytes;
  for (int format : {0, 3, 0xff}) {
    bad_format[0] = static_cast<char>(format);
    EXPECT_TRUE(DecodeRecord(bad_format, &got).IsCorruption()) << format;
  }
  std::string bad_component = bytes;
  bad_component[1] = static_cast<char>(kNumComponents);
  EXPECT_TRUE(DecodeRecord(bad_component, &got).IsCorruption());
  bad_component[1] = static_cast<char>(0xff);
  EXPECT_TRUE(DecodeRecord(bad_component, &got).IsCorruption());
}

TEST(RecordCodecTest, ToStorageRecord) {
  const RecordView r = SampleRecord();
  const std::string bytes = Encode(r);
  RecordView got;
  ASSERT_TRUE(DecodeRecord(bytes, &got).ok());
  StorageRecord out;
  ToStorageRecord(got, &out);
  EXPECT_EQ(out.id, r.id);
  EXPECT_EQ(out.data_type, Component::kQuery);
  EXPECT_EQ(out.data, r.data);
  EXPECT_EQ(out.metadata, r.metadata);
  EXPECT_DOUBLE_EQ(out.timestamp, 1700000000.123456);
  EXPECT_EQ(out.version, 42u);
  const Sha256Digest sum = RecordChecksum(r);
  EXPECT_EQ(out.checksum, ToHex(sum.data(), sum.size()));
  EXPECT_EQ(out.checksum.size(), 64u);
}

}  // namespace
}  // namespace spirapi
