// Fuzzes journal replay (ScanJournalFile: frames, CRCs, decryption, record
// decoding, salvage of damaged frames), what every open runs on every
// journal. Input: one mode byte, then the journal file.
//   mode bit 0: first recompute the CRC of each frame along the chain of
//               headers, so that mutated payloads get past the CRC check
//               and exercise the payload and record parsing behind it;
//   mode bit 1: the database is encrypted (records sealed with TestCipher).
// Checks: every good frame re-encodes (FrameBuilder) to exactly the bytes it
// was read from; good frames, damage and the torn tail tile the file in
// order; every version read as intact decodes, at the place it names, to the
// id, seq and version it was indexed with; and a journal rebuilt from the
// good frames alone scans back to the same frames with no damage.

#include <vector>

#include "db/journal_replay.h"
#include "fuzz_util.h"
#include "storage/journal.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi::fuzz {
namespace {

void FixFrameCrcs(std::string* file) {
  uint64_t pos = 0;
  while (pos + kFrameHeaderSize <= file->size()) {
    char* h = file->data() + pos;
    const uint32_t len = DecodeFixed32(h + 4);
    if (DecodeFixed32(h) != kFrameMagic || len > file->size() - pos - kFrameHeaderSize) return;
    uint32_t crc = Crc32(std::string_view(h, 20));
    crc = Crc32(std::string_view(h + kFrameHeaderSize, len), crc);
    EncodeFixed32(h + 20, crc);
    pos += kFrameHeaderSize + len;
  }
}

struct Frame {
  uint64_t seq;
  std::vector<std::string> records;
};

// The good frames of `file`, checked against its bytes.
std::vector<Frame> GoodFrames(std::string_view file, JournalScan* scan) {
  std::vector<Frame> frames;
  uint64_t end = 0;  // of the previous good frame
  ScanJournal(
      file,
      [&](uint64_t seq, const std::vector<JournalRecord>& records) {
        Frame f{seq, {}};
        std::string rebuilt;
        FrameBuilder builder(seq, &rebuilt);
        for (const JournalRecord& r : records) {
          FUZZ_CHECK(r.offset + r.bytes.size() <= file.size());
          FUZZ_CHECK(r.bytes.data() == file.data() + r.offset);
          builder.AddRecord(r.bytes);
          f.records.emplace_back(r.bytes);
        }
        std::vector<uint32_t> offsets;
        builder.Finish(&offsets);
        if (!records.empty()) {
          const uint64_t start = records[0].offset - offsets[0];
          FUZZ_CHECK(start >= end);
          FUZZ_CHECK(file.substr(start, rebuilt.size()) == rebuilt);
          end = start + rebuilt.size();
        }
        frames.push_back(std::move(f));
      },
      [&](uint64_t, const std::vector<JournalRecord>& records) {
        for (const JournalRecord& r : records) {
          FUZZ_CHECK(r.bytes.data() == file.data() + r.offset && r.offset + r.bytes.size() <= file.size());
        }
      },
      scan);
  FUZZ_CHECK(scan->valid_end <= file.size());
  FUZZ_CHECK(scan->torn_tail || scan->valid_end == file.size());
  uint64_t last = 0;
  for (const JournalDamage& d : scan->damage) {
    FUZZ_CHECK(d.length > 0 && d.offset >= last && d.offset + d.length <= file.size());
    last = d.offset + d.length;
  }
  FUZZ_CHECK(last <= scan->valid_end || scan->damage.empty());
  return frames;
}

void Check(std::string_view input) {
  FileInput in;
  if (!ReadFileInput(input, FixFrameCrcs, &in)) return;
  const auto& [file, cipher] = in;

  JournalScan scan;
  const std::vector<Frame> frames = GoodFrames(file, &scan);

  // Replay as at open, and check every version it would index.
  StringFile f(file);
  JournalReplay replay;
  ScanJournalFile(f, 1, file.size(), cipher, &replay);
  FUZZ_CHECK(replay.status.ok() && replay.contents == file);
  FUZZ_CHECK(replay.scan.valid_end == scan.valid_end && replay.scan.torn_tail == scan.torn_tail &&
             replay.scan.damage.size() == scan.damage.size());
  for (const JournalReplay::Version& v : replay.versions) {
    FUZZ_CHECK(!v.id.empty());
    FUZZ_CHECK(v.ref.loc.offset + v.ref.loc.length <= file.size());
    if (v.ref.corrupt()) continue;
    std::string_view bytes = std::string_view(file).substr(v.ref.loc.offset, v.ref.loc.length);
    std::string plain;
    if (cipher != nullptr) {
      FUZZ_CHECK(cipher->Open(bytes, &plain).ok());
      bytes = plain;
    }
    RecordView r;
    FUZZ_CHECK(DecodeRecord(bytes, &r).ok());
    FUZZ_CHECK(r.id == v.id && r.seq == v.ref.seq && r.version == v.ref.version &&
               r.component == v.component && r.tombstone() == v.ref.tombstone());
  }

  // The good frames alone make a journal without damage.
  std::string clean;
  for (const Frame& frame : frames) {
    FrameBuilder builder(frame.seq, &clean);
    for (const std::string& r : frame.records) builder.AddRecord(r);
    std::vector<uint32_t> offsets;
    builder.Finish(&offsets);
  }
  JournalScan clean_scan;
  const std::vector<Frame> again = GoodFrames(clean, &clean_scan);
  FUZZ_CHECK(clean_scan.damage.empty() && !clean_scan.torn_tail);
  FUZZ_CHECK(again.size() == frames.size());
  for (size_t i = 0; i < again.size(); ++i) {
    FUZZ_CHECK(again[i].seq == frames[i].seq && again[i].records == frames[i].records);
  }
}

// Journals as the write path builds them: one frame per transaction.
void WriteSeeds(const std::function<void(std::string_view)>& add) {
  const std::vector<std::string> records = SampleRecords();
  for (int encrypted = 0; encrypted <= 1; ++encrypted) {
    const Cipher* cipher = encrypted ? TestCipher() : nullptr;
    auto frame = [&](uint64_t seq, size_t first, size_t count, std::string* out) {
      FrameBuilder builder(seq, out);
      for (size_t i = first; i < first + count && i < records.size(); ++i) {
        if (cipher != nullptr) {
          std::string sealed;
          FUZZ_CHECK(cipher->Seal(records[i], &sealed).ok());
          builder.AddRecord(sealed);
        } else {
          builder.AddRecord(records[i]);
        }
      }
      std::vector<uint32_t> offsets;
      builder.Finish(&offsets);
    };
    std::string one, several;
    frame(7, 0, 1, &one);
    add(FileSeed(encrypted, false, one));
    for (uint64_t seq = 7; seq < 7 + records.size(); seq += 2) {
      frame(seq, seq - 7, 2, &several);
    }
    add(FileSeed(encrypted, false, several));
    add(FileSeed(encrypted, false, several.substr(0, several.size() - 5)));  // torn
    several[kFrameHeaderSize + 10] ^= 1;  // damage in the first of several frames
    add(FileSeed(encrypted, false, several));
    add(FileSeed(encrypted, true, several));  // the same, with its CRC fixed up
  }
}

}  // namespace
}  // namespace spirapi::fuzz

SPIRAPI_FUZZ_TARGET(spirapi::fuzz::Check, spirapi::fuzz::WriteSeeds)
