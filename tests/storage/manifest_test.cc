// Tests for storage/manifest.h: the MANIFEST round trip, its checksum, and
// the refusal of damaged, foreign or newer manifests.

#include "storage/manifest.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "storage/filenames.h"
#include "support/temp_dir.h"
#include "util/hash.h"

namespace spirapi {
namespace {

class ManifestTest : public ::testing::Test {
 protected:
  ManifestTest() : fs_(FileSystem::Default()) {}

  std::string ManifestPath() const { return dir_.Sub(kManifestName); }

  std::string ReadContents() {
    std::unique_ptr<RandomAccessFile> file;
    EXPECT_TRUE(fs_->NewRandomAccessFile(ManifestPath(), &file).ok());
    uint64_t size = 0;
    EXPECT_TRUE(fs_->GetFileSize(ManifestPath(), &size).ok());
    std::string contents;
    EXPECT_TRUE(file->Read(0, size, &contents).ok());
    return contents;
  }

  void WriteContents(const std::string& contents) {
    // Unlink first: ext4 flushes a file truncated and rewritten in place on
    // close, which makes a byte-by-byte damage loop slow.
    if (fs_->FileExists(ManifestPath())) {
      ASSERT_TRUE(fs_->RemoveFile(ManifestPath()).ok());
    }
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs_->NewWritableFile(ManifestPath(), &file).ok());
    ASSERT_TRUE(file->Append(contents).ok());
    ASSERT_TRUE(file->Close().ok());
  }

  // Writes `body` with a valid checksum line, as WriteManifest would.
  void WriteBody(const std::string& body) {
    Sha256Digest d = Sha256Of(body);
    WriteContents(body + "\n" + ToHex(d.data(), d.size()) + "\n");
  }

  // The body line of the manifest currently on disk.
  std::string Body() {
    std::string contents = ReadContents();
    return contents.substr(0, contents.find('\n'));
  }

  // Writes `m`, then replaces `from` with `to` in its body and re-signs it.
  void WriteEdited(const Manifest& m, const std::string& from, const std::string& to) {
    ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
    std::string body = Body();
    size_t at = body.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << body;
    body.replace(at, from.size(), to);
    WriteBody(body);
  }

  Status Read(Manifest* m) { return ReadManifest(fs_, dir_.path(), m); }

  test::TempDir dir_;
  FileSystem* fs_;
};

// A manifest with every field away from its default.
std::string CurrentVersionText() {
  return R"("format_version":)" + std::to_string(kFormatVersion);
}

Manifest SampleManifest() {
  Manifest m;
  m.compression_level = 9;
  m.max_file_size_mb = 4096;
  m.backup_interval_hours = 8760;
  m.block_size = 1u << 24;
  m.next_file_number = 123456789012ull;
  m.last_sequence = (uint64_t{1} << 62) + 5;
  m.journal_floor = 77;
  m.segments[static_cast<int>(Component::kSequence)] = {{3, 146320}, {9, 1}};
  m.segments[static_cast<int>(Component::kQuery)] = {{5, 0}};
  m.segments[static_cast<int>(Component::kCache)] = {{uint64_t{1} << 40, uint64_t{1} << 50}};
  return m;
}

void ExpectSameManifest(const Manifest& got, const Manifest& want) {
  EXPECT_EQ(got.format_version, want.format_version);
  EXPECT_EQ(got.compression_level, want.compression_level);
  EXPECT_EQ(got.max_file_size_mb, want.max_file_size_mb);
  EXPECT_EQ(got.backup_interval_hours, want.backup_interval_hours);
  EXPECT_EQ(got.block_size, want.block_size);
  EXPECT_EQ(got.encrypted, want.encrypted);
  if (want.encrypted) {
    EXPECT_EQ(got.kdf.n, want.kdf.n);
    EXPECT_EQ(got.kdf.r, want.kdf.r);
    EXPECT_EQ(got.kdf.p, want.kdf.p);
    EXPECT_EQ(got.kdf.salt, want.kdf.salt);
    EXPECT_EQ(got.key_check, want.key_check);
  }
  EXPECT_EQ(got.next_file_number, want.next_file_number);
  EXPECT_EQ(got.last_sequence, want.last_sequence);
  EXPECT_EQ(got.journal_floor, want.journal_floor);
  for (int c = 0; c < kNumComponents; ++c) {
    ASSERT_EQ(got.segments[c].size(), want.segments[c].size()) << "component " << c;
    for (size_t i = 0; i < want.segments[c].size(); ++i) {
      EXPECT_EQ(got.segments[c][i].file_number, want.segments[c][i].file_number);
      EXPECT_EQ(got.segments[c][i].size, want.segments[c][i].size);
    }
  }
}

TEST_F(ManifestTest, RoundTripsEveryField) {
  const Manifest m = SampleManifest();
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  // Read into a manifest full of other values: every field must be replaced.
  Manifest got;
  got.compression_level = 1;
  got.segments[0] = {{1, 1}, {2, 2}, {3, 3}};
  got.segments[5] = {{8, 8}};
  ASSERT_TRUE(Read(&got).ok());
  ExpectSameManifest(got, m);
}

TEST_F(ManifestTest, RoundTripsEncryptionParameters) {
  Manifest m = SampleManifest();
  m.encrypted = true;
  m.kdf.n = 1024;
  m.kdf.r = 16;
  m.kdf.p = 2;
  m.kdf.salt = std::string("\x00\x01\xfe\xff salt bytes!", 16);
  Cipher cipher;
  ASSERT_TRUE(Cipher::Create("pw", m.kdf, &cipher).ok());
  ASSERT_TRUE(cipher.Seal(kKeyCheckText, &m.key_check).ok());
  ASSERT_EQ(m.key_check.size(), 48u);
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  Manifest got;
  ASSERT_TRUE(Read(&got).ok());
  ExpectSameManifest(got, m);
  // The stored key check still opens under the same passphrase.
  Cipher again;
  ASSERT_TRUE(Cipher::Create("pw", got.kdf, &again).ok());
  std::string text;
  ASSERT_TRUE(again.Open(got.key_check, &text).ok());
  EXPECT_EQ(text, kKeyCheckText);
}

TEST_F(ManifestTest, MatchesTheFormatDocumentExample) {
  // docs/FORMAT.md shows this body for this manifest.
  Manifest m;
  m.codec = CompressionCodec::kZstd;
  m.block_size = 4096;
  m.next_file_number = 7;
  m.last_sequence = 3004;
  m.journal_floor = 2;
  m.segments[static_cast<int>(Component::kSequence)] = {{3, 146320}};
  m.segments[static_cast<int>(Component::kSchema)] = {{4, 309}};
  m.segments[static_cast<int>(Component::kQuery)] = {{5, 168}};
  m.segments[static_cast<int>(Component::kCache)] = {{6, 171}};
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  const std::string body =
      R"({"format":"spirapi","format_version":4,"compression_codec":"zstd","compression_level":3,)"
      R"("max_file_size_mb":64,"backup_interval_hours":24,"block_size":4096,"encryption":null,)"
      R"("next_file_number":7,)"
      R"("last_sequence":3004,"journal_floor":2,"segments":{"sequence":[[3,146320]],)"
      R"("schema":[[4,309]],"query":[[5,168]],"metadata":[],"index":[],"cache":[[6,171]]}})";
  const Sha256Digest d = Sha256Of(body);
  EXPECT_EQ(ReadContents(), body + "\n" + ToHex(d.data(), d.size()) + "\n");
}

TEST_F(ManifestTest, ChangeFloorsRoundTripAndAreOptional) {
  Manifest m = SampleManifest();
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  Manifest got;
  ASSERT_TRUE(Read(&got).ok());
  EXPECT_FALSE(got.has_change_floors);
  m.has_change_floors = true;
  for (int c = 0; c < kNumComponents; ++c) m.change_floors[c] = 100 + c;
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  ASSERT_TRUE(Read(&got).ok());
  EXPECT_TRUE(got.has_change_floors);
  for (int c = 0; c < kNumComponents; ++c) EXPECT_EQ(got.change_floors[c], 100u + c);
  WriteEdited(m, R"("cache":105})", R"("cache":-1})");
  EXPECT_TRUE(Read(&got).IsCorruption());
  WriteEdited(m, R"(,"cache":105})", "}");  // a component missing
  EXPECT_TRUE(Read(&got).IsCorruption());
}

TEST_F(ManifestTest, WriteReplacesAtomicallyAndLeavesNoTempFile) {
  Manifest m = SampleManifest();
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  m.last_sequence = 999;
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  Manifest got;
  ASSERT_TRUE(Read(&got).ok());
  EXPECT_EQ(got.last_sequence, 999u);
  std::vector<std::string> names;
  ASSERT_TRUE(fs_->GetChildren(dir_.path(), &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{kManifestName});
}

TEST_F(ManifestTest, MissingIsNotFound) {
  Manifest got;
  Status s = Read(&got);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
}

TEST_F(ManifestTest, FlippedByteAnywhereIsCorruption) {
  Manifest m = SampleManifest();
  m.encrypted = true;
  m.kdf.n = 1024;
  m.kdf.salt.assign(16, 'k');
  m.key_check.assign(48, 'c');
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), m).ok());
  const std::string good = ReadContents();
  // The final newline carries no information; every other byte is covered.
  for (size_t i = 0; i + 1 < good.size(); ++i) {
    std::string damaged = good;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x01);
    WriteContents(damaged);
    Manifest got;
    Status s = Read(&got);
    EXPECT_TRUE(s.IsCorruption()) << "byte " << i << " ('" << good[i] << "'): " << s.ToString();
  }
}

TEST_F(ManifestTest, TruncatedOrPaddedIsCorruption) {
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), SampleManifest()).ok());
  const std::string good = ReadContents();
  for (size_t cut : {size_t{0}, size_t{1}, good.find('\n'), good.find('\n') + 1, good.size() - 2,
                     good.size() - 1}) {
    WriteContents(good.substr(0, cut));
    Manifest got;
    EXPECT_TRUE(Read(&got).IsCorruption()) << "cut at " << cut;
  }
  WriteContents(good + "\n");
  Manifest got;
  EXPECT_TRUE(Read(&got).IsCorruption());
}

TEST_F(ManifestTest, ImplausiblyLargeIsCorruption) {
  WriteContents(std::string((16u << 20) + 1, ' '));
  Manifest got;
  EXPECT_TRUE(Read(&got).IsCorruption());
}

TEST_F(ManifestTest, NewerFormatVersionIsNotSupported) {
  WriteEdited(SampleManifest(), CurrentVersionText(),
              R"("format_version":)" + std::to_string(kFormatVersion + 1));
  Manifest got;
  Status s = Read(&got);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find(std::to_string(kFormatVersion + 1)), std::string::npos) << s.message();
}

TEST_F(ManifestTest, NewerFormatIsRefusedEvenIfTheRestIsUnreadable) {
  // A future version may change every other field: the version check comes
  // first.
  WriteBody(R"({"format":"spirapi","format_version":)" + std::to_string(kFormatVersion + 7) +
            R"(,"block_size":"big"})");
  Manifest got;
  EXPECT_TRUE(Read(&got).IsNotSupported());
}

TEST_F(ManifestTest, BadFormatVersionIsCorruption) {
  for (const char* version : {"0", "-1", "1.5", "\"1\"", "null", "4294967296"}) {
    WriteEdited(SampleManifest(), CurrentVersionText(),
                std::string(R"("format_version":)") + version);
    Manifest got;
    Status s = Read(&got);
    EXPECT_TRUE(s.IsCorruption()) << version << ": " << s.ToString();
  }
  WriteEdited(SampleManifest(), CurrentVersionText() + ",", "");
  Manifest got;
  EXPECT_TRUE(Read(&got).IsCorruption());
}

TEST_F(ManifestTest, ForeignFormatIsInvalidArgument) {
  WriteEdited(SampleManifest(), R"("format":"spirapi")", R"("format":"other")");
  Manifest got;
  Status s = Read(&got);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST_F(ManifestTest, OutOfRangeSettingIsCorruption) {
  struct Case {
    const char* from;
    const char* to;
  };
  // SampleManifest sits at the top of every range: one more is out of it.
  const Case cases[] = {
      {R"("compression_level":9)", R"("compression_level":10)"},
      {R"("compression_level":9)", R"("compression_level":-1)"},
      {R"("max_file_size_mb":4096)", R"("max_file_size_mb":4097)"},
      {R"("max_file_size_mb":4096)", R"("max_file_size_mb":0)"},
      {R"("backup_interval_hours":8760)", R"("backup_interval_hours":8761)"},
      {R"("backup_interval_hours":8760)", R"("backup_interval_hours":0)"},
      {R"("block_size":16777216)", R"("block_size":16777217)"},
      {R"("block_size":16777216)", R"("block_size":4095)"},
      {R"("block_size":16777216)", R"("block_size":"64k")"},
      {R"("next_file_number":123456789012)", R"("next_file_number":0)"},
      {R"("last_sequence":4611686018427387909)", R"("last_sequence":-1)"},
      {R"("last_sequence":4611686018427387909)", R"("last_sequence":9223372036854775808)"},
      {R"("journal_floor":77)", R"("journal_floor":1.0)"},
  };
  for (const Case& c : cases) {
    WriteEdited(SampleManifest(), c.from, c.to);
    Manifest got;
    Status s = Read(&got);
    EXPECT_TRUE(s.IsCorruption()) << c.to << ": " << s.ToString();
  }
  // The bottom of each range is accepted.
  Manifest low = SampleManifest();
  low.compression_level = 0;
  low.max_file_size_mb = 1;
  low.backup_interval_hours = 1;
  low.block_size = 4096;
  low.next_file_number = 1;
  low.last_sequence = 0;
  low.journal_floor = 0;
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), low).ok());
  Manifest got;
  ASSERT_TRUE(Read(&got).ok());
  ExpectSameManifest(got, low);
}

TEST_F(ManifestTest, MalformedEncryptionOrSegmentsIsCorruption) {
  Manifest enc = SampleManifest();
  enc.encrypted = true;
  enc.kdf.n = 1024;
  enc.kdf.salt.assign(16, 'k');
  enc.key_check.assign(48, 'c');
  struct Case {
    const Manifest* m;
    const char* from;
    const char* to;
  };
  const Manifest plain = SampleManifest();
  const Case cases[] = {
      {&enc, R"("n":1024)", R"("n":1)"},
      {&enc, R"("n":1024)", R"("n":8388608)"},
      {&enc, R"("r":8)", R"("r":0)"},
      {&enc, R"("p":1)", R"("p":17)"},
      {&enc, R"("salt":"6b6b)", R"("salt":"zz6b)"},
      {&enc, R"("salt":"6b6b)", R"("salt":"6b6)"},
      {&enc, R"("key_check":"6363)", R"("key_check":5,"x":"6363)"},
      {&plain, R"("sequence":[[3,146320],[9,1]])", R"("sequence":[[3,146320],[9]])"},
      {&plain, R"("sequence":[[3,146320],[9,1]])", R"("sequence":[[3,-146320]])"},
      {&plain, R"("sequence":[[3,146320],[9,1]])", R"("sequence":{})"},
      {&plain, R"("sequence":[[3,146320],[9,1]],)", ""},
      {&plain, R"("segments":{)", R"("segments":7,"old":{)"},
  };
  for (const Case& c : cases) {
    WriteEdited(*c.m, c.from, c.to);
    Manifest got;
    Status s = Read(&got);
    EXPECT_TRUE(s.IsCorruption()) << c.to << ": " << s.ToString();
  }
}

TEST_F(ManifestTest, NotJsonIsCorruption) {
  WriteBody("not json at all");
  Manifest got;
  EXPECT_TRUE(Read(&got).IsCorruption());
  WriteBody("[1,2,3]");
  EXPECT_TRUE(Read(&got).IsCorruption());
}

}  // namespace
}  // namespace spirapi

namespace spirapi {
namespace {

// Found by ReadOnlyProcessTest: a reader opened the MANIFEST, a writer
// renamed a new one (of another size) over it, and the reader took the old
// file's bytes for a truncated new one: "MANIFEST is truncated or malformed".
TEST_F(ManifestTest, ReadsWhileTheManifestIsReplaced) {
  Manifest small, large;
  large.segments[static_cast<int>(Component::kSequence)] = {{3, 146320}, {8, 1}, {9, 2}};
  ASSERT_TRUE(WriteManifest(fs_, dir_.path(), small).ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(WriteManifest(fs_, dir_.path(), i % 2 ? small : large).ok());
    }
    done = true;
  });
  int reads = 0;
  while (!done) {
    Manifest m;
    Status s = ReadManifest(fs_, dir_.path(), &m);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace spirapi
