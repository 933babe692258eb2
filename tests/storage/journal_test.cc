// Tests for storage/journal.h (the frame format) and db/journal_replay.h (how
// a journal's bytes are read: committed frames, recovered frames, damage with
// the records it hit, and the tail a crash may have torn).

#include "storage/journal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "codec/record_codec.h"
#include "db/journal_replay.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi {
namespace {

// One frame as built, with where it landed in the file.
struct BuiltFrame {
  uint64_t seq;
  uint64_t offset;  // of the frame in the file
  uint64_t size;
  std::vector<std::string> ids;
};

// An encoded record of component query with this id, in transaction seq.
std::string Record(uint64_t seq, const std::string& id) {
  RecordView r;
  r.component = Component::kQuery;
  r.seq = seq;
  r.version = 1;
  r.timestamp_us = 1700000000000000;
  r.id = id;
  const std::string data = "{\"v\":\"" + id + "\"}";
  r.data = data;
  r.metadata = "{}";
  std::string out;
  EncodeRecord(r, &out);
  return out;
}

// Appends a commit frame of records named `ids` to *file.
BuiltFrame AppendFrame(std::string* file, uint64_t seq, const std::vector<std::string>& ids,
                       uint64_t durable_end = 0) {
  BuiltFrame f{seq, file->size(), 0, ids};
  std::vector<DirectoryEntry> entries;
  for (const std::string& id : ids) entries.push_back({Component::kQuery, id});
  std::string directory;
  EXPECT_TRUE(EncodeFrameDirectory(seq, entries, nullptr, &directory).ok());
  FrameBuilder builder(FrameKind::kCommit, seq, durable_end, directory, file);
  for (const std::string& id : ids) builder.AddRecord(Record(seq, id));
  std::vector<uint32_t> offsets;
  builder.Finish(&offsets);
  f.size = file->size() - f.offset;
  return f;
}

// A journal of four frames of different shapes (one with no records).
std::vector<BuiltFrame> BuildJournal(std::string* file) {
  std::vector<BuiltFrame> frames;
  frames.push_back(AppendFrame(file, 10, {"alpha", "beta"}));
  frames.push_back(AppendFrame(file, 11, {std::string(300, 'x'), "gamma"}, file->size()));
  frames.push_back(AppendFrame(file, 12, {}, file->size()));
  frames.push_back(AppendFrame(file, 15, {"delta"}, file->size()));
  return frames;
}

JournalReplay Replay(const std::string& file, bool is_last = true) {
  JournalReplay out;
  JournalScanOptions options;
  options.is_last = is_last;
  ScanJournalContents(file, 7, nullptr, options, &out);
  return out;
}

// The ids read back intact, in order, and those marked damaged.
std::vector<std::string> Intact(const JournalReplay& r) {
  std::vector<std::string> ids;
  for (const auto& v : r.versions) {
    if (!v.ref.corrupt()) ids.emplace_back(v.id);
  }
  return ids;
}
std::vector<std::string> Damaged(const JournalReplay& r) {
  std::vector<std::string> ids;
  for (const auto& v : r.versions) {
    if (v.ref.corrupt()) ids.emplace_back(v.id);
  }
  return ids;
}
std::vector<std::string> AllIds(const std::vector<BuiltFrame>& frames) {
  std::vector<std::string> ids;
  for (const BuiltFrame& f : frames) ids.insert(ids.end(), f.ids.begin(), f.ids.end());
  return ids;
}

TEST(JournalTest, FrameLayout) {
  std::string file;
  AppendFrame(&file, 0x1122334455667788ull, {"ab"}, 0x99);
  EXPECT_EQ(file.substr(0, 4), "SPJ3");
  EXPECT_EQ(DecodeFixed32(file.data() + 4), 1u);  // kind: commit
  EXPECT_EQ(DecodeFixed64(file.data() + 8), 0x1122334455667788ull);
  EXPECT_EQ(DecodeFixed64(file.data() + 16), 0x99u);  // durable_end
  EXPECT_EQ(DecodeFixed32(file.data() + 24), file.size() - kFrameHeaderSize);
  EXPECT_EQ(DecodeFixed32(file.data() + 28), 1u);  // count
  const uint32_t dir_len = DecodeFixed32(file.data() + 32);
  EXPECT_EQ(DecodeFixed32(file.data() + kFrameHeaderSize) + 4, dir_len);  // its own copy
  EXPECT_EQ(DecodeFixed32(file.data() + 36), Crc32(std::string_view(file).substr(44)));
  EXPECT_EQ(DecodeFixed32(file.data() + 40), Crc32(std::string_view(file).substr(0, 40)));
  FrameDirectory dir;
  ASSERT_TRUE(ParseFrameDirectory(std::string_view(file).substr(44), dir_len, nullptr, &dir));
  EXPECT_EQ(dir.seq, 0x1122334455667788ull);
  ASSERT_EQ(dir.entries.size(), 1u);
  EXPECT_EQ(dir.entries[0].second, "ab");
}

TEST(JournalTest, ReplayRoundTripsSeveralFrames) {
  std::string file;
  std::vector<BuiltFrame> frames = BuildJournal(&file);
  JournalReplay r = Replay(file);
  EXPECT_EQ(Intact(r), AllIds(frames));
  EXPECT_TRUE(r.damage.empty());
  EXPECT_EQ(r.tail_length, 0u);
  EXPECT_EQ(r.tail_offset, file.size());
  EXPECT_EQ(r.last_seq, 15u);
  EXPECT_FALSE(r.ends_with_close);
}

TEST(JournalTest, CloseFrameIsRecognized) {
  std::string file;
  BuildJournal(&file);
  AppendCloseFrame(15, file.size(), &file);
  JournalReplay r = Replay(file);
  EXPECT_TRUE(r.ends_with_close);
  EXPECT_TRUE(r.damage.empty());
  AppendFrame(&file, 16, {"epsilon"}, file.size());  // reopened, written again
  EXPECT_FALSE(Replay(file).ends_with_close);
}

TEST(JournalTest, EmptyFileIsClean) {
  JournalReplay r = Replay("");
  EXPECT_TRUE(r.versions.empty());
  EXPECT_TRUE(r.damage.empty());
  EXPECT_EQ(r.tail_length, 0u);
}

TEST(JournalTest, TornLastFrameIsATailAtEveryCutPoint) {
  std::string file;
  std::vector<BuiltFrame> frames = BuildJournal(&file);
  const BuiltFrame& last = frames.back();
  for (uint64_t cut = last.offset + 1; cut < file.size(); ++cut) {
    SCOPED_TRACE(cut);
    JournalReplay r = Replay(file.substr(0, cut));
    EXPECT_TRUE(r.damage.empty());
    EXPECT_EQ(r.tail_offset, last.offset);
    EXPECT_EQ(r.tail_length, cut - last.offset);
    EXPECT_EQ(Intact(r).size(), AllIds(frames).size() - 1);
  }
}

TEST(JournalTest, ZeroFilledTailIsATail) {
  std::string file;
  std::vector<BuiltFrame> frames = BuildJournal(&file);
  file.append(4096, '\0');
  JournalReplay r = Replay(file);
  EXPECT_TRUE(r.damage.empty());
  EXPECT_EQ(r.tail_length, 4096u);
  EXPECT_EQ(Intact(r), AllIds(frames));
}

TEST(JournalTest, DamagedRecordInTheMiddleNamesItAndKeepsTheRest) {
  std::string file;
  std::vector<BuiltFrame> frames = BuildJournal(&file);
  const size_t at = file.find("{\"v\":\"gamma\"}");
  ASSERT_NE(at, std::string::npos);
  file[at + 7] ^= 0x10;  // in gamma's data, behind its id
  JournalReplay r = Replay(file);
  EXPECT_EQ(Damaged(r), std::vector<std::string>{"gamma"});
  EXPECT_EQ(Intact(r).size(), AllIds(frames).size() - 1);
  EXPECT_FALSE(r.damage.empty());
  EXPECT_EQ(r.tail_length, 0u);
}

TEST(JournalTest, DamagedHeaderIsRecoveredFromTheIntactPayload) {
  // Every byte of a header: the directory and records still check, so the
  // transaction is kept and the damage reported, in the middle and as the
  // last frame alike (no crash tears a frame into that shape).
  for (size_t frame = 1; frame < 4; frame += 2) {
    for (size_t byte = 0; byte < kFrameHeaderSize; ++byte) {
      std::string file;
      std::vector<BuiltFrame> frames = BuildJournal(&file);
      SCOPED_TRACE("frame " + std::to_string(frame) + " byte " + std::to_string(byte));
      file[frames[frame].offset + byte] ^= 0x04;
      JournalReplay r = Replay(file);
      EXPECT_EQ(Intact(r), AllIds(frames));
      EXPECT_TRUE(Damaged(r).empty());
      EXPECT_EQ(r.damage.size(), 1u);
      EXPECT_EQ(r.tail_length, 0u);
    }
  }
}

TEST(JournalTest, DamagedDirectoryKeepsTheRecordsThatCheck) {
  std::string file;
  std::vector<BuiltFrame> frames = BuildJournal(&file);
  file[frames[1].offset + kFrameHeaderSize + 14] ^= 0x01;  // inside the directory
  JournalReplay r = Replay(file);
  EXPECT_EQ(Intact(r), AllIds(frames));
  EXPECT_FALSE(r.damage.empty());
}

TEST(JournalTest, DamagedLastFrameWithoutProofIsATail) {
  std::string file;
  std::vector<BuiltFrame> frames = BuildJournal(&file);
  const size_t at = file.find("{\"v\":\"delta\"}");
  file[at + 7] ^= 0x01;  // a record of the last frame
  JournalReplay r = Replay(file);
  EXPECT_TRUE(r.damage.empty());
  EXPECT_EQ(r.tail_offset, frames[3].offset);
  EXPECT_EQ(r.tail_length, frames[3].size);
  // In a sealed journal every byte was synced: the same bytes are damage.
  JournalReplay sealed = Replay(file, /*is_last=*/false);
  EXPECT_EQ(sealed.tail_length, 0u);
  EXPECT_EQ(Damaged(sealed), std::vector<std::string>{"delta"});
}

TEST(JournalTest, LaterDurableEndProvesTheTailDamaged) {
  // A later frame (itself torn) states that the damaged one was synced.
  std::string file;
  std::vector<BuiltFrame> frames = BuildJournal(&file);
  const uint64_t end = file.size();
  AppendFrame(&file, 16, {"omega"}, end);
  file.resize(file.size() - 3);  // the later frame is torn
  const size_t at = file.find("{\"v\":\"delta\"}");
  file[at + 7] ^= 0x01;
  JournalReplay r = Replay(file);
  EXPECT_EQ(Damaged(r), std::vector<std::string>{"delta"});
  EXPECT_EQ(r.tail_offset, end);
  EXPECT_EQ(r.tail_length, file.size() - end);
}

TEST(JournalTest, EverySingleByteDamageIsNoticedAndNothingIsSilentlyLost) {
  std::string pristine;
  std::vector<BuiltFrame> frames = BuildJournal(&pristine);
  AppendCloseFrame(15, pristine.size(), &pristine);
  const std::vector<std::string> all = AllIds(frames);
  for (size_t byte = 0; byte < pristine.size(); ++byte) {
    std::string file = pristine;
    file[byte] ^= 0x80;
    SCOPED_TRACE(byte);
    JournalReplay r = Replay(file);
    EXPECT_TRUE(!r.damage.empty() || r.tail_length > 0) << "a flipped byte went unnoticed";
    // Every record is read intact or named damaged: after a clean close only
    // the close frame can become a tail, and it holds no records.
    std::vector<std::string> seen = Intact(r);
    for (const std::string& id : Damaged(r)) seen.push_back(id);
    for (const std::string& id : all) {
      EXPECT_NE(std::find(seen.begin(), seen.end(), id), seen.end()) << id << " vanished";
    }
  }
}

TEST(JournalTest, GarbageBeforeAFrameIsDamageAndQuick) {
  // Garbage read as a header says count 0xFFFFFFFF: without a directory that
  // checks, the count is not trusted (a loop over it hung the journal fuzzer).
  std::string file(100, '\xff');
  std::vector<BuiltFrame> frames;
  frames.push_back(AppendFrame(&file, 10, {"alpha"}));
  JournalReplay r = Replay(file);
  EXPECT_EQ(Intact(r), (std::vector<std::string>{"alpha"}));
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_EQ(r.damage[0].offset, 0u);
  EXPECT_EQ(r.tail_length, 0u);
}

TEST(JournalTest, LegacyFramesAreStillRead) {
  // Format 2: magic "SPIJ" | payload_len | seq | count | crc of bytes 0..19
  // and the payload, then the records; no directory.
  std::string file;
  std::string payload;
  for (const std::string& id : {"old1", "old2"}) {
    const std::string rec = Record(5, id);
    PutFixed32(&payload, static_cast<uint32_t>(rec.size()));
    payload += rec;
  }
  PutFixed32(&file, kFrameMagicV2);
  PutFixed32(&file, static_cast<uint32_t>(payload.size()));
  PutFixed64(&file, 5);
  PutFixed32(&file, 2);
  PutFixed32(&file, Crc32(payload, Crc32(file)));
  file += payload;
  AppendFrame(&file, 6, {"new"}, file.size());
  JournalReplay r = Replay(file);
  EXPECT_EQ(Intact(r), (std::vector<std::string>{"old1", "old2", "new"}));
  EXPECT_TRUE(r.damage.empty());
}

}  // namespace
}  // namespace spirapi
